"""Production settings for the benchmark, with one change.

Every request of the load generator comes from 127.0.0.1, so the public tracking rate limit
(10 attempts per client address per 15 minutes) would answer 429 after ten lookups. In
production the limit applies per citizen; here it is raised so that the surge of lookups can be
measured. The limiter still counts every attempt, so its cost stays in the figures.
"""

from tinhso.settings import *  # noqa: F403

TRACKING_MAX_ATTEMPTS = 10**9
