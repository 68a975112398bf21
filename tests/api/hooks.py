"""Schemathesis hooks for `make api-test`: what openapi.yaml cannot say.

Schemathesis sends requests generated from openapi.yaml and reports every
answer that contradicts it. Two kinds of report are not contradictions, and
this hook drops exactly those, after checking that they are what they seem:

1. "Schema-valid request rejected" (ST202) for a body that breaks a rule JSON
   Schema cannot express (openapi.yaml lists them in SessionStart's
   description), when the service's 400 names only those rules' places:
   - V3, recorded content: playerTime.playhead < params["media.length"];
   - numbers are stored in DynamoDB exactly as sent, so none may have more
     than 38 significant digits.
2. (see before_call) Generated values repeat across cases, so two valid
   bodies would often share one `Idempotency-Key` and rightly get `422`.
   Each well-formed key is made unique per case instead; malformed keys are
   sent as generated. Replays and conflicts are tested in
   tests/idempotency.rs.
3. The answer of `cargo lambda watch` itself, not of the function: the
   emulator refuses a text body (no Content-Type, text/*, application/json)
   that is not UTF-8, or a header value with bytes outside ASCII, with its
   own 500, before invoking anything. API Gateway hands such requests to the
   function, which answers 400 (see the not-UTF-8 and non-ASCII
   Idempotency-Key samples in events/, checked by tests/handler.rs).

Every other failure is kept, so any other disagreement fails the run.
"""

import json
import re
import uuid
from decimal import Decimal

import schemathesis

DYNAMODB_MAX_SIGNIFICANT_DIGITS = 38
LIVE_CONTENT_TYPES = {"live", "linear"}


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def significant_digits(number):
    """Digits from the first to the last non-zero one, as DynamoDB counts them."""
    return len("".join(map(str, Decimal(repr(number)).as_tuple().digits)).strip("0"))


def pointer(*keys):
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in keys)


def numbers_with_pointers(value, keys=()):
    if is_number(value):
        yield pointer(*keys), value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from numbers_with_pointers(item, (*keys, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from numbers_with_pointers(item, (*keys, index))


def inexpressible_rule_violations(body):
    """The pointers where a body breaks the rules openapi.yaml cannot express."""
    if not isinstance(body, dict):
        return set()
    violations = {
        place
        for place, number in numbers_with_pointers(body)
        if significant_digits(number) > DYNAMODB_MAX_SIGNIFICANT_DIGITS
    }
    player_time, params = body.get("playerTime"), body.get("params")
    if isinstance(player_time, dict) and isinstance(params, dict):
        playhead, length = player_time.get("playhead"), params.get("media.length")
        content_type = params.get("media.contentType")
        live = isinstance(content_type, str) and content_type.lower() in LIVE_CONTENT_TYPES
        if not live and is_number(playhead) and is_number(length) and playhead >= length:
            violations.add("/playerTime/playhead")
    return violations


def problem_pointers(response):
    try:
        problem = json.loads(response.content)
        return {error["pointer"] for error in problem["errors"]}
    except (ValueError, TypeError, KeyError):
        return None


def rejected_for_inexpressible_rules_only(case, response):
    expected = inexpressible_rule_violations(case.body)
    reported = problem_pointers(response) if response.status_code == 400 else None
    return bool(expected) and bool(reported) and reported <= expected


def has_non_utf8_text_body(request):
    content_type = (request.headers.get("Content-Type") or "").lower()
    text_body = not content_type or content_type.startswith(("text/", "application/json"))
    body = request.body.encode() if isinstance(request.body, str) else request.body or b""
    try:
        body.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return text_body


def has_non_ascii_header(request):
    def non_ascii(value):
        raw = value.encode("latin-1", "replace") if isinstance(value, str) else value
        return any(byte > 0x7E for byte in raw)

    return any(non_ascii(value) for value in request.headers.values())


def emulator_refused_the_request(response):
    request = response.request
    emulator_answer = (
        response.status_code == 500
        and response.headers.get("content-type", [""])[0].startswith("text/plain")
        and b"httpstatuses.com/500" in response.content
    )
    return emulator_answer and (has_non_utf8_text_body(request) or has_non_ascii_header(request))


WELL_FORMED_KEY = re.compile(r"[!-~]{1,255}")


@schemathesis.hook
def before_call(context, case, kwargs):
    """A fresh, well-formed Idempotency-Key for each case that sends a well-formed one."""
    for name in list(case.headers or {}):
        key = case.headers[name]
        if name.lower() == "idempotency-key" and isinstance(key, str) and WELL_FORMED_KEY.fullmatch(key):
            case.headers[name] = uuid.uuid4().hex


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """False drops the failure."""
    if failure.code == "ST202" and rejected_for_inexpressible_rules_only(case, response):
        return False
    return not emulator_refused_the_request(response)
