"""The wire format between the grader and a kernel it probes.

Requests carry each case's arguments as ``{"shape": [...], "data": [...]}``
float arrays; replies carry answers the same way.  :func:`parse_reply` is the
only place that reads what a kernel sent back, and it trusts nothing: size
cap, JSON only, the run's secret, the expected number of answers, float
arrays of bounded size.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
import secrets
from pathlib import Path

import numpy as np

from autograder.checks import Answer, Call, Predict, Probe, Read
from autograder.text import one_line, without_arrays

#: Largest reply (characters of JSON) accepted from a kernel for one part.
MAX_REPLY_CHARS = 4_000_000
#: Most numbers one case's answer may hold.
MAX_VALUES = 100_000
#: Most arguments a case passes (positions named in an answer's "changed").
MAX_ARGUMENTS = 32

PROBE_SOURCE = (Path(__file__).with_name("kernel_probe.py")).read_text()
PROBE_FUNCTION = "__dlcourse_probe__"
ANSWER_VARIABLE = "__dlcourse_answer__"


#: Where a student's kernel keeps, after each cell, the last function each
#: probed name held (:func:`keeper_arguments`), and the test of a function
#: the notebook wrote itself, which the probe uses too (kernel_probe.py).
KEPT_VARIABLE = "__dlcourse_kept__"
OWN_VARIABLE = "__dlcourse_own__"
_KEEPER_SOURCE = f"""
def __dlcourse_keep__(names):
    shell, kept = get_ipython(), {{}}
    import dis
    def own(value, wrapped=True):
        # Written in the notebook (a def or a lambda in a cell), not the
        # exercise's stub, whose first statement raises NotImplementedError
        # (an answer that left the stub's raise after its return is the
        # notebook's own); or a wrapper of such a function (np.vectorize,
        # functools.partial, a decorator).
        try:
            if getattr(value, "__module__", None) == "__main__":
                code = getattr(value, "__code__", None)
                if code is None:
                    return True
                first = next((i for i in dis.get_instructions(code) if i.opname not in (
                    "RESUME", "NOP", "CACHE", "COPY_FREE_VARS", "MAKE_CELL", "PUSH_NULL")), None)
                return first is None or first.argval != "NotImplementedError"
            return wrapped and any(own(getattr(value, attribute, None), False)
                                   for attribute in ("__wrapped__", "func", "pyfunc"))
        except Exception:
            return False
    def after_cell(result):
        for name in names:
            value = shell.user_ns.get(name)
            if callable(value) and (own(value) or not own(kept.get(name))):
                kept[name] = value
        # Put back after a cell that emptied the namespace (get_ipython().reset();
        # the %reset magic leaves it while grading: dlcourse.selfcheck).
        shell.user_ns[{KEPT_VARIABLE!r}] = kept
        shell.user_ns[{OWN_VARIABLE!r}] = own
    shell.events.register("post_run_cell", after_cell)
    shell.user_ns[{KEPT_VARIABLE!r}] = kept
    shell.user_ns[{OWN_VARIABLE!r}] = own
"""


def keeper_arguments(names) -> list[str]:
    """What a student's kernel is started with so that, after each of the
    notebook's cells, it keeps the last function each of ``names`` held,
    preferring one the notebook wrote (a ``def`` or ``lambda`` in a cell,
    or a wrapper of one such as ``np.vectorize``; not the exercise's stub)
    to one imported.  A later cell that gives such a name another value
    (``for step in range(5)`` after ``def step(z)``, or ``from
    torch.nn.functional import conv2d`` after ``def conv2d``) then costs
    nothing: the probe calls the kept function where the name no longer
    holds it (kernel_probe.py), and the feedback says so.  Nothing is
    trusted from it: a kernel that forges what it kept could as well define
    the functions."""
    names = sorted(set(names))
    if not names:
        return []
    code = f"exec({_KEEPER_SOURCE!r}); __dlcourse_keep__({names!r}); del __dlcourse_keep__"
    return [f"--IPKernelApp.exec_lines={code}"]


#: How many names a reply may say it called from what the kernel kept.
MAX_RESTORED = 20


def _restored(payload: dict) -> tuple[str, ...]:
    names = payload.get("restored", [])
    if not isinstance(names, list) or len(names) > MAX_RESTORED or not all(
            isinstance(n, str) and n.isascii() and n.isidentifier() and len(n) <= 60 for n in names):
        raise ValueError("not a list of names")
    return tuple(sorted(set(names)))


def encode_array(value) -> dict:
    array = np.asarray(value, dtype=float)
    return {"shape": list(array.shape), "data": array.ravel().tolist()}


def decode_array(obj) -> np.ndarray:
    if not isinstance(obj, dict) or set(obj) != {"shape", "data"}:
        raise ValueError("not an encoded array")
    shape = obj["shape"]
    if not isinstance(shape, list) or len(shape) > 32 or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ValueError("bad shape")
    if any(n > MAX_VALUES for n in shape):
        raise ValueError("too many values")
    data = obj["data"]
    if not isinstance(data, list) or len(data) > MAX_VALUES:
        raise ValueError("too many values")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in data):
        raise ValueError("values are not numbers")
    try:  # an integer such as 10**400 has no float
        array = np.asarray(data, dtype=float)
    except (OverflowError, ValueError, TypeError):
        raise ValueError("a value is too large to be a number the grader can compare") from None
    size = 1
    for n in shape:
        size *= n
    if array.size != size:
        raise ValueError("shape does not match the values")
    return array.reshape(shape)


#: An argument put back after a change (w[i] += h, then w[i] -= h) may
#: differ in its last bits: that is not a change.
PUT_BACK = {"rtol": 1e-9, "atol": 1e-12}


def changed_arguments(sent: list[np.ndarray], after) -> tuple[int, ...]:
    """The positions of the arrays the grader ``sent`` (a case's arguments)
    that a call changed in place, from the kernel's ``after`` (the arguments
    as they were after the call, each an encoded array or None).  Judged
    here, not in the kernel: an array the reply leaves out, or sends as
    anything but an array, counts as changed."""
    if not isinstance(after, list) or len(after) != len(sent):
        raise ValueError("the arguments after the call do not match the arguments sent")
    changed = []
    for i, (arg, now) in enumerate(zip(sent, after)):
        if arg.ndim == 0:  # a number, passed by value
            continue
        array = decode_array(now) if now is not None else None
        if array is None or array.shape != arg.shape or not np.allclose(
                array, arg, equal_nan=True, **PUT_BACK):
            changed.append(i)
    return tuple(changed)


def encode_answer(answer: Answer) -> dict:
    if answer.error is not None:
        return {"error": answer.error}
    encoded = {"values": [encode_array(v) for v in answer.values]}
    if answer.changed:
        encoded["changed"] = list(answer.changed)
    return encoded


def decode_answer(obj, sent: list[np.ndarray] | None = None) -> Answer:
    """An answer as :func:`encode_answer` wrote it (``sent`` None), or as a
    kernel sent it for a case whose arguments were ``sent``: then which
    arguments changed comes from the arrays in its "after" (see
    :func:`changed_arguments`), which it must send when it was asked to
    (``report_inputs``, see :func:`request_code`)."""
    if isinstance(obj, dict) and set(obj) == {"error"} and isinstance(obj["error"], str):
        return Answer(error=one_line(without_arrays(obj["error"][:MAX_ERROR_SENT]),
                                     MAX_ERROR_CHARS))
    if sent is not None and isinstance(obj, dict) and set(obj) == {"values", "after"}:
        return Answer(values=decode_answer({"values": obj["values"]}).values,
                      changed=changed_arguments(sent, obj["after"]))
    if isinstance(obj, dict) and set(obj) in ({"values"}, {"values", "changed"}) and isinstance(
            obj["values"], list):
        if sent is not None and "changed" in obj:
            raise ValueError("not an answer")  # only the grader says what changed
        values = tuple(decode_array(v) for v in obj["values"])
        if sum(v.size for v in values) > MAX_VALUES:
            raise ValueError("too many values")
        changed = obj.get("changed", [])
        if not isinstance(changed, list) or len(changed) > MAX_ARGUMENTS or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < MAX_ARGUMENTS
                for i in changed):
            raise ValueError("not a list of argument positions")
        return Answer(values=values, changed=tuple(sorted(set(changed))))
    raise ValueError("not an answer")


def new_secret() -> str:
    return secrets.token_hex(16)


def again_key(grade_id: str) -> str:
    """Where a part's answers with the solution's stand-ins are kept, beside
    its own answers (see :attr:`autograder.checks.Part.stand_ins`)."""
    return f"{grade_id}:again"


def request_code(probe: Probe, cases: list[list[dict]], secret: str,
                 stand_ins: tuple[tuple[str, str], ...] = (), report_inputs: bool = False) -> str:
    """The code to execute in the kernel for one part; ``stand_ins``:
    (name, source) of functions to put in place of the notebook's own while
    the probed function runs; ``report_inputs``: the answers also carry the
    arguments as they are after each call (for a part that forbids changing
    them, :attr:`autograder.checks.Part.keeps_inputs`)."""
    if isinstance(probe, Call):
        kind, names = "call", [probe.name]
    elif isinstance(probe, Read):
        kind, names = "read", list(probe.names)
    elif isinstance(probe, Predict):
        kind, names = "predict", [probe.name]
    else:  # pragma: no cover - Probe is a closed union
        raise TypeError(probe)
    request = json.dumps(
        {"kind": kind, "names": names, "cases": cases, "secret": secret, "max_values": MAX_VALUES,
         "stand_ins": [list(pair) for pair in stand_ins], "report_inputs": report_inputs}
    )
    return f"{ANSWER_VARIABLE} = {PROBE_FUNCTION}({request!r})"


#: How much of an uncaught exception's name the feedback shows.
MAX_NAME_CHARS = 80
#: How much of an error's text (type and message) the feedback shows, and
#: how much of it the kernel sends (printed arrays in it are cut first).
MAX_ERROR_CHARS, MAX_ERROR_SENT = 300, 2000


#: The repr of a str holding ASCII JSON: one quoted literal, in which a
#: backslash starts an escape and the quote appears only escaped.
_STRING_LITERAL = {quote: re.compile(r"(?:[^\\%s\n]|\\[^\n])*" % quote) for quote in "'\""}


def string_literal(text: str) -> str:
    """The string whose repr ``text`` is (the probe's answer, an ASCII JSON
    text), read in one pass.  ast.literal_eval, used before, parsed whatever
    expression the kernel sent back: a forged repr of 4 MB cost the grader
    2.5 GB and 11 s of CPU per part, outside every limit of the student's,
    and killed its worker.  Anything but one quoted ASCII literal is refused."""
    quote = text[:1]
    if len(text) < 2 or quote not in _STRING_LITERAL or text[-1] != quote or not text.isascii() \
            or not _STRING_LITERAL[quote].fullmatch(text, 1, len(text) - 1):
        raise ValueError("not one string literal")
    return codecs.decode(text[1:-1], "unicode_escape")


def parse_reply(reply_content: dict, secret: str, cases: list[list[dict]],
                report_inputs: bool = False) -> list[Answer]:
    """The answers in a kernel's execute reply to the request for ``cases``
    (as :func:`request_code` sent them), or ValueError saying why not.

    The answer travels in the reply's ``user_expressions`` as the repr of a
    JSON string.  With ``report_inputs``, every answer that is not an error
    must carry the arguments after the call.
    """
    if reply_content.get("status") != "ok":
        # The exception's name is the student's (any text can name a class,
        # and the probe catches every Exception, so this one is not): one
        # short line, after ": raised ", as every error of the student's is.
        name = one_line(str(reply_content.get("ename") or "an unknown error"), MAX_NAME_CHARS)
        raise ValueError(f"raised {name} when the grader asked for the answer")
    expr = (reply_content.get("user_expressions") or {}).get("answer") or {}
    text = (expr.get("data") or {}).get("text/plain")
    if not isinstance(text, str):
        raise ValueError("no answer came back")
    if len(text) > MAX_REPLY_CHARS:
        raise ValueError("the answer is too large")
    try:
        payload = json.loads(string_literal(text))
    except (ValueError, TypeError, RecursionError) as error:
        raise ValueError("the answer is not valid JSON") from error
    if not isinstance(payload, dict) or payload.get("secret") != secret:
        raise ValueError("the answer does not carry this run's secret")
    answers = payload.get("answers")
    if not isinstance(answers, list) or len(answers) != len(cases):
        raise ValueError("wrong number of answers")
    restored = _restored(payload)
    decoded = []
    for answer, case in zip(answers, cases):
        # The arguments after the call come back exactly when they were asked for.
        if isinstance(answer, dict) and "values" in answer and ("after" in answer) != report_inputs:
            raise ValueError("the arguments after the call did not come back" if report_inputs
                             else "not an answer")
        decoded.append(dataclasses.replace(
            decode_answer(answer, sent=[decode_array(arg) for arg in case] if report_inputs else []),
            restored=restored))
    return decoded
