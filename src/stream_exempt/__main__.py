"""`python -m stream_exempt`."""

from stream_exempt.cli.app import main

if __name__ == "__main__":
    main()
