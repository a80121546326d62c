"""`python -m stream_exempt`."""

from stream_exempt.entry import main

if __name__ == "__main__":
    main()
