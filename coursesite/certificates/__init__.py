"""Completion certificates: issued once the whole course is complete, checked by anyone with the code.

`codes.py` is pure (the code alphabet, normalising a typed code, "Anna A."), `document.py` is what the PDF shows,
and `service.py` issues and checks certificates in the database.
"""
