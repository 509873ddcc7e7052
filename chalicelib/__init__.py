"""The shop's code that ships to Lambda beside app.py."""
