"""Schemathesis hooks for `make api-test`: what openapi.yaml cannot say.

Schemathesis sends requests generated from openapi.yaml and reports every
answer that contradicts it. Some reports are not contradictions, and these
hooks drop exactly those, after checking that they are what they seem, or
prepare each case so that it tests what it means to:

1. "Schema-valid request rejected" (ST202) for a body that breaks a rule JSON
   Schema cannot express (openapi.yaml lists them in the descriptions of
   SessionStart and SessionEvent), when the service's 400 names only those
   rules' places:
   - V3, recorded content (sessionStart only): playerTime.playhead <
     params["media.length"];
   - numbers are stored in DynamoDB exactly as sent, so none may have more
     than 38 significant digits (every body);
   - in a downloaded session (an array body), the same on element 0, and
     D3 (`playerTime.ts` never decreases from one element to the next) and
     D4 (nothing follows a `sessionEnd`), the pointers prefixed with the
     element's index.
2. (see before_call) Generated values repeat across cases, so two valid
   bodies would often share one `Idempotency-Key` and rightly get `422`.
   Each well-formed key is made unique per case instead; malformed keys are
   sent as generated. Replays and conflicts are tested in
   tests/it/idempotency.rs.
   Likewise, a generated session id names no session (a `404`), and a
   generated `sessionEnd` closes its session, after which every event gets
   `410`. So before each `POST /api/v1/sessions/{sessionId}/events` whose
   id is well-formed (and whose body is not one generated to break the
   schema, which gets its 400 before the session is looked up), a fresh
   session is started (a valid sessionStart sent
   to the same base URL) and its id, from `Location`, replaces the generated
   one. Malformed ids (negative cases on the path parameter) are sent as
   generated, and must get `404` (or `400` when the body breaks a rule too,
   since the body is checked first). Unknown and closed sessions (`404`,
   `410`) are tested in tests/it/events_api.rs and tests/it/end_to_end.rs.
3. The answer of `cargo lambda watch` itself, not of the function: the
   emulator refuses a text body (no Content-Type, text/*, application/json)
   that is not UTF-8, or a header value with bytes outside ASCII, with its
   own 500, before invoking anything. API Gateway hands such requests to the
   function, which answers 400 (see the not-UTF-8 and non-ASCII
   Idempotency-Key samples in events/, checked by tests/it/handler.rs).

Every other failure is kept, so any other disagreement fails the run.
"""

import json
import re
import uuid
from decimal import Decimal

import requests
import schemathesis
from jsonschema_rs import Draft202012Validator
from schemathesis.core.parameters import ParameterLocation

DYNAMODB_MAX_SIGNIFICANT_DIGITS = 38
LIVE_CONTENT_TYPES = {"live", "linear"}
SESSIONS_PATH = "/api/v1/sessions"
EVENTS_PATH = "/api/v1/sessions/{sessionId}/events"
SESSION_ID = re.compile(r"[0-9a-f]{64}")
LOCATION = re.compile(r"/api/v1/sessions/([0-9a-f]{64})")
SESSION_START_TIMEOUT_SECONDS = 30


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


def inexpressible_rule_violations(body, session_start):
    """The pointers where a body breaks the rules openapi.yaml cannot express."""
    if not isinstance(body, dict):
        return set()
    violations = {
        place
        for place, number in numbers_with_pointers(body)
        if significant_digits(number) > DYNAMODB_MAX_SIGNIFICANT_DIGITS
    }
    if not session_start:
        # Events compare the playhead with nothing.
        return violations
    player_time, params = body.get("playerTime"), body.get("params")
    if isinstance(player_time, dict) and isinstance(params, dict):
        playhead, length = player_time.get("playhead"), params.get("media.length")
        content_type = params.get("media.contentType")
        live = isinstance(content_type, str) and content_type.lower() in LIVE_CONTENT_TYPES
        if not live and is_number(playhead) and is_number(length) and playhead >= length:
            violations.add("/playerTime/playhead")
    return violations


def downloaded_session_violations(calls):
    """The pointers where an array body breaks the rules openapi.yaml cannot express."""
    violations = {
        place
        for place, number in numbers_with_pointers(calls)
        if significant_digits(number) > DYNAMODB_MAX_SIGNIFICANT_DIGITS
    }
    if calls and isinstance(calls[0], dict):
        violations |= {"/0" + place for place in inexpressible_rule_violations(calls[0], True)}
    previous, ended = None, False
    for index, call in enumerate(calls):
        if not isinstance(call, dict):
            continue
        if ended:
            violations.add(pointer(index))
        elif index > 0 and call.get("eventType") == "sessionEnd":
            ended = True
        player_time = call.get("playerTime")
        ts = player_time.get("ts") if isinstance(player_time, dict) else None
        if is_number(ts) and float(ts).is_integer():
            if previous is not None and ts < previous:
                violations.add(pointer(index, "playerTime", "ts"))
            else:
                previous = ts
    return violations


def problem_pointers(response):
    try:
        problem = json.loads(response.content)
        return {error["pointer"] for error in problem["errors"]}
    except (ValueError, TypeError, KeyError):
        return None


def rejected_for_inexpressible_rules_only(case, response):
    if isinstance(case.body, list):
        expected = downloaded_session_violations(case.body)
    else:
        expected = inexpressible_rule_violations(case.body, case.operation.path == SESSIONS_PATH)
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


def session_start_body(case):
    """The sessionStart example of openapi.yaml: a valid body."""
    return case.operation.schema.raw_schema["components"]["examples"]["SessionStartVod"]["value"]


def start_session(case):
    """Starts a fresh session on the API under test; its id."""
    url = case.operation.schema.get_base_url() + SESSIONS_PATH
    response = requests.post(url, json=session_start_body(case), timeout=SESSION_START_TIMEOUT_SECONDS)
    found = LOCATION.fullmatch(response.headers.get("Location", ""))
    if response.status_code != 201 or found is None:
        raise RuntimeError(
            f"hooks.py could not start a session for {case.operation.label}: POST {url} answered "
            f"{response.status_code}, Location {response.headers.get('Location')!r}: {response.text[:500]}"
        )
    return found.group(1)


def is_event_post(case):
    return case.operation.path == EVENTS_PATH and str(case.method).upper() == "POST"


@schemathesis.hook
def before_call(context, case, kwargs):
    """A fresh, well-formed Idempotency-Key for each case that sends a well-formed one,
    and a live session for each event whose session id is well-formed."""
    for name in list(case.headers or {}):
        key = case.headers[name]
        if name.lower() == "idempotency-key" and isinstance(key, str) and WELL_FORMED_KEY.fullmatch(key):
            case.headers[name] = uuid.uuid4().hex
    if is_event_post(case) and not refused_for_its_body(case):
        session_id = (case.path_parameters or {}).get("sessionId")
        if isinstance(session_id, str) and SESSION_ID.fullmatch(session_id):
            case.path_parameters["sessionId"] = start_session(case)


EVENT_VALIDATOR = []


def refused_for_its_body(case):
    """Whether the event's body was generated to break the schema and does:
    the function reads the body before it looks the session up, so the 400
    does not depend on the session, and no session is started for it (most
    of the events operation's cases, each one start fewer)."""
    meta = getattr(case, "meta", None)
    if meta is None or not meta.is_negative_at(ParameterLocation.BODY):
        return False
    if not isinstance(case.body, (dict, list, str, int, float, bool)) and case.body is not None:
        return False
    if not EVENT_VALIDATOR:  # openapi.yaml's SessionEvent, built once
        components = case.operation.schema.raw_schema["components"]
        schema = {"$ref": "#/components/schemas/SessionEvent", "components": components}
        EVENT_VALIDATOR.append(Draft202012Validator(schema))
    return not EVENT_VALIDATOR[0].is_valid(case.body)


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """False drops the failure."""
    if failure.code == "ST202" and rejected_for_inexpressible_rules_only(case, response):
        return False
    return not emulator_refused_the_request(response)
