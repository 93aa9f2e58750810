"""学时开放接口 · 示例客户端 / xueshi open API: an example client.

Standard library only (Python 3.11+). Copy it into the sector system and call it:

    client = XueshiClient("https://xueshi.example.gov.cn", APP_KEY, SECRET)
    receipt = client.push_results(class_id, [
        {"external_id": "hosp-2014-000123", "name": "张三",
         "id_number": "440507198503070183", "score": "90"},
    ])
    for item in receipt["items"]:
        print(item["external_id"], item["result"], item["message"])

    verdict = client.verdict("440507198503070183", 2014)   # a 职称 system's client

Every request is signed (docs/api.md, “签名”): the six lines METHOD, path, query string,
timestamp, nonce and the body's hex digest, HMAC-SHA256 (or HMAC-SM3) with the secret, hex.
A push that timed out is sent again as it was: the server recognises the ids (same id, same
content → "unchanged"), so nothing is entered twice. Each send gets a new nonce and timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from typing import Any

ALGORITHMS = {"HMAC-SHA256": "sha256", "HMAC-SM3": "sm3"}  # SM3: an OpenSSL build with it


class ApiError(Exception):
    """A problem+json answer: ``status``, ``code`` (stable) and ``detail`` (Chinese)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail')}")
        self.status = status
        self.code = problem.get("code", "")
        self.detail = problem.get("detail", "")
        self.problem = problem


class XueshiClient:
    def __init__(
        self,
        base_url: str,
        app_key: str,
        secret: str,
        *,
        algorithm: str = "HMAC-SHA256",
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_key = app_key
        self.secret = secret
        self.algorithm = algorithm
        self.timeout = timeout

    # --- signing ------------------------------------------------------------------------

    def sign(self, method: str, path: str, query: str, body: bytes) -> dict[str, str]:
        digest_name = ALGORITHMS[self.algorithm]
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        body_digest = hashlib.new(digest_name, body).hexdigest()
        message = "\n".join((method.upper(), path, query, timestamp, nonce, body_digest))
        signature = hmac.new(self.secret.encode(), message.encode(), digest_name).hexdigest()
        return {
            "X-Xueshi-App-Key": self.app_key,
            "X-Xueshi-Timestamp": timestamp,
            "X-Xueshi-Nonce": nonce,
            "X-Xueshi-Signature-Method": self.algorithm,
            "X-Xueshi-Signature": signature,
        }

    def request(
        self, method: str, path: str, *, query: str = "", payload: Any = None
    ) -> dict[str, Any]:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = self.sign(method, path, query, body)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        url = self.base_url + path + (f"?{query}" if query else "")
        request = urllib.request.Request(
            url, data=body if payload is not None else None, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"code": "http_error", "detail": raw[:200].decode(errors="replace")}
            raise ApiError(error.code, problem) from None

    # --- the endpoints ------------------------------------------------------------------

    def push_results(
        self, class_id: int, items: list[dict[str, Any]], *, attempts: int = 3
    ) -> dict[str, Any]:
        """Push learners' results (at most 5,000 a call). On a timeout or a dropped
        connection, the same batch is sent again: nothing is entered twice."""
        path = f"/api/v1/classes/{class_id}/results/"
        for attempt in range(1, attempts + 1):
            try:
                return self.request("POST", path, payload={"items": items})
            except (TimeoutError, urllib.error.URLError):
                if attempt == attempts:
                    raise
                time.sleep(2**attempt)
        raise AssertionError("unreachable")

    def void_results(
        self, external_ids: list[str], reason: str, *, pushed_by: str = ""
    ) -> dict[str, Any]:
        """Void results sent before, by their ids (a correction goes under a new id). Safe to
        send again: ids voided already answer "unchanged"."""
        payload: dict[str, Any] = {"external_ids": external_ids, "reason": reason}
        if pushed_by:
            payload["pushed_by"] = pushed_by
        return self.request("POST", "/api/v1/results/void/", payload=payload)

    def receipt(self, receipt_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/receipts/{receipt_id}/")

    def verdict(self, id_number: str, year: int, as_of: str = "") -> dict[str, Any]:
        """The verdict for a year, as of today or as of the end of an earlier day
        (``as_of``, "YYYY-MM-DD"; a later date is answered as of the server's today)."""
        payload: dict[str, Any] = {"id_number": id_number, "year": year}
        if as_of:
            payload["as_of"] = as_of
        return self.request("POST", "/api/v1/compliance/verdicts/", payload=payload)

    def classes(self, year: int, page: int = 1) -> dict[str, Any]:
        """The classes the client may see (a provider's own), 100 a page: find a class's id."""
        return self.request("GET", "/api/v1/classes/", query=f"year={year}&page={page}")

    def certificate(self, number: str) -> dict[str, Any]:
        return self.request("GET", f"/api/v1/certificates/{number}/")

    def changes(self, year: int, cursor: str = "") -> dict[str, Any]:
        query = f"year={year}" + (f"&cursor={cursor}" if cursor else "")
        return self.request("GET", "/api/v1/compliance/changes/", query=query)


if __name__ == "__main__":  # python xueshi_client.py URL APP_KEY SECRET ID_NUMBER YEAR
    import sys

    base, key, secret, id_number, year = sys.argv[1:6]
    answer = XueshiClient(base, key, secret).verdict(id_number, int(year))
    print(answer["status"], answer["summary"])
    for requirement in answer["requirements"]:
        ref = requirement["reference"]
        print(f"- {requirement['explanation']}（{ref['citation']}：“{ref['clause']}”）")
