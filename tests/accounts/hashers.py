"""A password hasher that counts its work: configuration for the constant-time tests, not a mock."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingMD5PasswordHasher(MD5PasswordHasher):
    """The suite's MD5 hasher (same algorithm name, so it checks the factories' passwords) counting hashes."""

    hashed = 0

    def encode(self, password: str, salt: str) -> str:
        # Every check and every hash of a password goes through encode (verify encodes and compares).
        type(self).hashed += 1
        return super().encode(password, salt)
