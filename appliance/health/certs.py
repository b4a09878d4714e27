"""Expiry of a TLS certificate file (PEM), read with a small DER walker.

The standard library cannot read a certificate's dates without a private helper, and the
`cryptography` package is not a dependency: an X.509 certificate is
SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature, issuer,
validity SEQUENCE { notBefore, notAfter }, subject, ... }, ... }, which takes 60 lines.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from appliance.errors import CartableError
from appliance.i18n import N_

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)
_OID_CN = bytes.fromhex("550403")  # 2.5.4.3 commonName


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the DER element at `pos`."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if n == 0 or n > 4:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos : pos + n], "big")
        pos += n
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out, pos = [], start
    while pos < end:
        tag, vs, ve = _tlv(data, pos)
        out.append((tag, vs, ve))
        pos = ve
    return out


def _time(tag: int, raw: bytes) -> datetime:
    text = raw.decode("ascii")
    if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ: 50-99 are 19xx (RFC 5280)
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text
    return datetime.strptime(text.rstrip("Z"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def parse_der_certificate(der: bytes) -> dict[str, Any]:
    """Given one DER certificate, return {"not_before", "not_after", "subject_cn"}.

    Raises ValueError when the bytes are not a certificate.
    """
    _, cs, ce = _tlv(der, 0)
    tbs_tag, ts, te = _children(der, cs, ce)[0]
    fields = _children(der, ts, te)
    if fields and fields[0][0] == 0xA0:  # explicit [0] version
        fields = fields[1:]
    validity, subject = fields[3], fields[4]
    (t1, s1, e1), (t2, s2, e2) = _children(der, validity[1], validity[2])
    cn = None
    for _, rs, re_ in _children(der, subject[1], subject[2]):  # RDN sets
        for _, avs, ave in _children(der, rs, re_):
            (_, os_, oe), (_, vs, ve) = _children(der, avs, ave)[:2]
            if der[os_:oe] == _OID_CN:
                cn = der[vs:ve].decode("utf-8", "replace")
    return {
        "not_before": _time(t1, der[s1:e1]),
        "not_after": _time(t2, der[s2:e2]),
        "subject_cn": cn,
    }


def read_certificate(path: str | Path) -> dict[str, Any]:
    """The first certificate of a PEM file (the server's own, before the chain).

    Returns parse_der_certificate's dict plus "path". Raises CartableError when the file
    is missing or holds no readable certificate.
    """
    try:
        body = Path(path).read_bytes()
    except OSError as exc:
        raise CartableError(
            N_(
                "Le certificat %(path)s est illisible (%(strerror)s). Vérifiez le chemin dans "
                "« health.tls_cert_file » et les droits du fichier."
            ),
            path=path,
            strerror=exc.strerror,
        ) from exc
    match = _PEM.search(body)
    try:
        der = base64.b64decode(b"".join(match.group(1).split())) if match else body
        info = parse_der_certificate(der)
    except (ValueError, IndexError) as exc:
        raise CartableError(
            N_("%(path)s ne contient pas de certificat lisible (%(exc)s)."), path=path, exc=exc
        ) from exc
    info["path"] = str(path)
    return info


def certificate_status(path: str | Path, now: datetime | None = None) -> dict[str, Any]:
    """{"path", "subject_cn", "not_after" (ISO), "days_left", "error"} for the diagnosis.

    Never raises: a problem is reported in "error" with days_left None.
    """
    now = now or datetime.now(UTC)
    try:
        info = read_certificate(path)
    except CartableError as exc:
        return {
            "path": str(path),
            "subject_cn": None,
            "not_after": None,
            "days_left": None,
            "error": exc.message,
        }
    left = (info["not_after"] - now).total_seconds() / 86400.0
    return {
        "path": str(path),
        "subject_cn": info["subject_cn"],
        "not_after": info["not_after"].isoformat(),
        "days_left": round(left, 1),
        "error": None,
    }
