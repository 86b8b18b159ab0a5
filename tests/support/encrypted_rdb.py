# The encrypted snapshot format (src/persistence/encrypted_rdb.h), written again from its
# description with python3-cryptography: the tests decrypt what Redoubt writes and encrypt what
# redis-server writes with it, so the format is proven by a second implementation, not only by
# Redoubt reading its own files.
import hashlib
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"REDOUBT-ENC-RDB\n"
LAST = 0x80000000


def key_id(key):
    return hashlib.sha256(b"redoubt rdb encryption key id v1" + key).hexdigest()[:16]


def read_key_file(path):
    text = open(path, "rb").read()
    return bytes.fromhex(text.strip().decode()) if len(text.strip()) == 64 else text


def _file_key(key, salt):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt,
                info=b"redoubt rdb v1").derive(key)


def _nonce(index):
    return struct.pack("<Q", index) + b"\0\0\0\0"


def header_key_id(data):
    assert data.startswith(MAGIC), data[:20]
    n = data[len(MAGIC) + 1]
    return data[len(MAGIC) + 2:len(MAGIC) + 2 + n].decode()


def encrypt(plaintext, key, chunk_size=65536):
    salt = os.urandom(32)
    kid = key_id(key).encode()
    header = MAGIC + bytes([1, len(kid)]) + kid + salt + struct.pack("<I", chunk_size)
    aead = AESGCM(_file_key(key, salt))
    out = [header]
    pieces = [plaintext[i:i + chunk_size] for i in range(0, len(plaintext), chunk_size)]
    if not pieces or len(pieces[-1]) == chunk_size:
        pieces.append(b"")  # the last chunk is marked; when the data fills every chunk, it is empty
    for index, piece in enumerate(pieces):
        word = len(piece) | (LAST if index == len(pieces) - 1 else 0)
        aad = header + struct.pack("<QI", index, word)
        out.append(struct.pack("<I", word) + aead.encrypt(_nonce(index), piece, aad))
    return b"".join(out)


def decrypt(data, key):
    """The plaintext; raises on anything wrong (cryptography's InvalidTag for a changed byte)."""
    assert data.startswith(MAGIC) and data[len(MAGIC)] == 1
    n = data[len(MAGIC) + 1]
    at = len(MAGIC) + 2 + n
    salt = data[at:at + 32]
    (chunk_size,) = struct.unpack("<I", data[at + 32:at + 36])
    header = data[:at + 36]
    assert header_key_id(data) == key_id(key)
    aead = AESGCM(_file_key(key, salt))
    pos, index, out = len(header), 0, []
    while True:
        (word,) = struct.unpack("<I", data[pos:pos + 4])
        size = word & ~LAST
        sealed = data[pos + 4:pos + 4 + size + 16]
        assert len(sealed) == size + 16, "truncated"
        out.append(aead.decrypt(_nonce(index), sealed, header + struct.pack("<QI", index, word)))
        pos += 4 + size + 16
        index += 1
        if word & LAST:
            assert pos == len(data), "bytes after the last chunk"
            return b"".join(out)
        assert size == chunk_size
