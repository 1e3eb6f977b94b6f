"""Clinics: doctors, services, the slot engine, appointments.

- ``practice``: a tenant's doctors, services, hours and days off, read once per turn;
- ``slots``: the free slots of a service (pure: working hours, breaks, overrides, buffers, seats,
  minimum notice, horizon, in the clinic's zone);
- ``book``: booking, moving and cancelling, as transactions that never double-book;
- ``when``: what a patient writes about when ("yarın öğleden sonra") as a search window;
- ``calendar``: the .ics feeds.
"""
