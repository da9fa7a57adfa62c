"""Tracker in calendars: iCalendar files (ics) and CalDAV servers (caldav).

Both import the icalendar library, which nothing else in tracker loads: a `tracker
list` never pays for it.
"""
