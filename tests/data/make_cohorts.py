"""Write the spreadsheet-made cohort lists in this folder with LibreOffice (see README.md).

Run from this folder: `python make_cohorts.py` (needs `soffice`, e.g. Debian's
libreoffice-calc-nogui). It writes one flat OpenDocument spreadsheet per locale, with real date
cells (an end date is a formula on the start), the student ID as text except one typed as a
number, then has LibreOffice convert it, under that locale, to .xlsx and to CSV.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
STUDENTS = [  # id, name, start, days to the end, comment; id None: typed as the number below
    ("012345678", "Zoë Ashworth", "2027-09-06", 41, "Ward 4, Hôpital Saint-Éloi"),
    ("201234567", "Siân Evans", "2027-09-06", 41, "Ward 4, Hôpital Saint-Éloi"),
    ("201234568", "Seán Ó Briain", "2027-09-06", 41, "Café de la Gare"),
    ("201234569", "François Dubois", "2027-09-13", 41, "Community"),
    (None, "Björk Ægisdóttir", "2027-09-13", 41, ""),
]
NUMERIC_ID = 201234570
# A date style per locale: the order a person there formats a date column in, with the year in full.
ORDER = {"en_GB": ("day", "month", "year"), "en_US": ("month", "day", "year")}
LANGUAGE = {"en_GB": ("en", "GB"), "en_US": ("en", "US")}


def fods(locale: str) -> str:
    from datetime import date, timedelta

    language, country = LANGUAGE[locale]
    parts = "<number:text>/</number:text>".join(
        f'<number:{part} number:style="long"/>' for part in ORDER[locale]
    )
    rows = [
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
            for h in (
                "Student Number",
                "Name",
                "Placement start",
                "Placement end",
                "Exemption type",
                "Comment",
            )
        )
        + "</table:table-row>"
    ]
    for number, (sid, name, start, days, comment) in enumerate(STUDENTS, start=2):
        end = (date.fromisoformat(start) + timedelta(days=days)).isoformat()
        id_cell = (
            f'<table:table-cell office:value-type="string"><text:p>{sid}</text:p></table:table-cell>'
            if sid is not None
            else f'<table:table-cell office:value-type="float" office:value="{NUMERIC_ID}"><text:p>{NUMERIC_ID}</text:p></table:table-cell>'
        )
        rows.append(
            "<table:table-row>"
            + id_cell
            + f'<table:table-cell office:value-type="string"><text:p>{name}</text:p></table:table-cell>'
            + f'<table:table-cell table:style-name="day" office:value-type="date" office:date-value="{start}"><text:p>{start}</text:p></table:table-cell>'
            + f'<table:table-cell table:style-name="day" table:formula="of:=[.C{number}]+{days}" office:value-type="date" office:date-value="{end}"><text:p>{end}</text:p></table:table-cell>'
            + '<table:table-cell office:value-type="string"><text:p>Practice Placement Block</text:p></table:table-cell>'
            + (
                f'<table:table-cell office:value-type="string"><text:p>{comment}</text:p></table:table-cell>'
                if comment
                else "<table:table-cell/>"
            )
            + "</table:table-row>"
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:styles>
<style:default-style style:family="table-cell"><style:text-properties fo:language="{language}" fo:country="{country}"/></style:default-style>
</office:styles>
<office:automatic-styles>
<number:date-style style:name="longdate" number:language="{language}" number:country="{country}">{parts}</number:date-style>
<style:style style:name="day" style:family="table-cell" style:data-style-name="longdate"/>
</office:automatic-styles>
<office:body><office:spreadsheet><table:table table:name="Cohort">
{chr(10).join(rows)}
</table:table><table:table table:name="Notes"><table:table-row><table:table-cell office:value-type="string"><text:p>not a cohort</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document>
"""


def soffice(
    locale: str, profile: Path, source: Path, target: str, outdir: Path, infilter: str | None = None
) -> None:
    env = {**os.environ, "LC_ALL": f"{locale}.UTF-8", "LANG": f"{locale}.UTF-8"}
    command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", target, "--outdir", str(outdir), str(source)]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)


def csv_filter(charset: int, separator: int = 44) -> str:
    # Separator (44 comma, 9 tab, 59 semicolon), double quote, character set, first line 1, -, language from the locale, quote
    # text cells only when needed, detect special numbers, save cell contents as shown.
    return f"csv:Text - txt - csv (StarCalc):{separator},34,{charset},1,,0,false,true,true,false,false"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for locale, stem in (("en_GB", "uk_cohort"), ("en_US", "us_cohort")):
            source = work / f"{stem}.fods"
            source.write_text(fods(locale), encoding="utf-8")
            profile = work / f"profile_{locale}"
            soffice(locale, profile, source, "xlsx:Calc MS Excel 2007 XML", work)
            soffice(locale, profile, source, csv_filter(76), work)  # UTF-8
            shutil.copy(work / f"{stem}.xlsx", HERE / f"{stem}.xlsx")
            shutil.copy(work / f"{stem}.csv", HERE / f"{stem}.csv")
            if locale == "en_GB":  # formats bulk refuses with advice: OpenDocument and Excel 97
                for target, suffix in (("ods:calc8", "ods"), ("xls:MS Excel 97", "xls")):
                    soffice(locale, profile, source, target, work)
                    shutil.copy(work / f"{stem}.{suffix}", HERE / f"{stem}.{suffix}")
                for charset, separator, name in (
                    (1, 44, "uk_cohort_cp1252.csv"),
                    (65535, 44, "uk_cohort_utf16.csv"),
                    (65535, 9, "uk_cohort_unicode_text.txt"),  # as Excel's "Unicode Text": UTF-16, tabs
                    (76, 59, "uk_cohort_semicolons.csv"),  # as a spreadsheet whose decimal point is a comma
                ):
                    outdir = work / name
                    soffice(locale, profile, source, csv_filter(charset, separator), outdir)
                    shutil.copy(outdir / f"{stem}.csv", HERE / name)
        # A month-first CSV typed in by a US user: LibreOffice's own default date format.
        typed = work / "us_cohort_typed.csv"
        typed.write_text(
            "Student Number,Placement start,Placement end\n201234567,09/06/2027,10/17/2027\n"
            "201234568,09/13/2027,10/24/2027\n",
            encoding="utf-8",
        )
        profile = work / "profile_en_US"
        soffice(
            "en_US", profile, typed, "xlsx:Calc MS Excel 2007 XML", work, "CSV:44,34,76,1,1/2/2/3/3/3,1033"
        )
        outdir = work / "typed"
        soffice("en_US", profile, work / "us_cohort_typed.xlsx", csv_filter(76), outdir)
        shutil.copy(outdir / "us_cohort_typed.csv", HERE / "us_cohort_two_digit_years.csv")
        # A notification feed saved by LibreOffice in cp1252 (names with accents, a date column).
        feed = work / "feed_cp1252.csv"
        feed.write_text(
            "student_id,date,Name,notification\n"
            "201234567,2027-01-15,Siân Evans,No Digital Engagement\n"
            "201234568,2027-01-15,Seán Ó Briain,No Digital Engagement\n"
            "012345678,2027-01-30,Zoë Ashworth,No Digital Engagement\n",
            encoding="utf-8",
        )
        outdir = work / "feed"
        soffice(
            "en_GB",
            work / "profile_en_GB",
            feed,
            csv_filter(1),
            outdir,
            "CSV:44,34,76,1,1/2/2/2/3/2/4/2,2057",
        )
        shutil.copy(outdir / "feed_cp1252.csv", HERE / "feed_cp1252.csv")
        # A CSV in which Excel had already written one student number as 2.01E+08, opened in
        # LibreOffice (en_GB) and saved as a workbook: the cell is the number 201000000 in the
        # format 0.00E+00, and nothing in it says which student it was.
        rounded = work / "uk_rounded_ids.csv"
        rounded.write_text(
            "Student Number,Surname,Placement start,Placement end\n"
            "201234600,Adeyemi,06/09/2027,12/10/2027\n2.01E+08,Byrne,06/09/2027,12/10/2027\n",
            encoding="utf-8",
        )
        soffice(
            "en_GB",
            work / "profile_en_GB",
            rounded,
            "xlsx:Calc MS Excel 2007 XML",
            work,
            "CSV:44,34,76,1,,2057",
        )
        shutil.copy(work / "uk_rounded_ids.xlsx", HERE / "uk_rounded_ids.xlsx")
    # Excel's "CSV UTF-8" writes a byte-order mark; LibreOffice 7.4 cannot, so it is added here.
    text = (HERE / "uk_cohort.csv").read_bytes()
    (HERE / "uk_cohort_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + text)


if __name__ == "__main__":
    main()
