"""How passwords are stored."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with the second recommended parameters of RFC 9106 (section 4, "if much less
    memory is available"): three passes over 64 MiB with four lanes, 128-bit salt.

    Django's defaults (two passes over 100 MiB, eight lanes) hold 100 MiB in the application
    server for each sign-in, on top of the worker's own memory: that sign-in was each worker's
    peak. A hash stored with other parameters is hashed again with these at its holder's next
    sign-in (``must_update``); it keeps the algorithm's name, so stored hashes still verify.
    """

    time_cost = 3
    memory_cost = 64 * 1024  # KiB
    parallelism = 4
