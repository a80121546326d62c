"""stream-exempt: manage Exemptions from student-engagement Notifications."""

__version__ = "0.1.0"
