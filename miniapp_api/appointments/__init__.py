"""Slots, bookings, check-in and queue tickets."""
