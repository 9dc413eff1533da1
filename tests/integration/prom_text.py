# SPDX-License-Identifier: MIT
"""A strict reader of the Prometheus text exposition format (0.0.4), for
checking /metrics: every line must be a HELP, a TYPE, a comment or a
sample; names and label names must be valid; a family gets at most one HELP
and one TYPE, both before its samples, and its samples form one block; no
series appears twice; values are floats (or NaN/+Inf/-Inf). Returns
{family: {"type", "help", "samples": {series_labels_tuple: value}}}.
"""
import re

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}
SUFFIXES = ("_bucket", "_sum", "_count")


class ExpositionError(ValueError):
    pass


def _labels(text, pos, lineno):
    """Parses {a="b",...} starting at text[pos] == '{'; returns (labels, end)."""
    labels = []
    pos += 1
    while True:
        if text.startswith("}", pos):
            return tuple(labels), pos + 1
        m = LABEL_NAME.match(text, pos)
        if not m or not text.startswith('="', m.end()):
            raise ExpositionError(f"line {lineno}: bad label at {text[pos:pos + 30]!r}")
        name, pos = m.group(0), m.end() + 2
        value = []
        while True:
            if pos >= len(text):
                raise ExpositionError(f"line {lineno}: unterminated label value")
            c = text[pos]
            if c == "\\":
                esc = text[pos + 1:pos + 2]
                if esc not in ("\\", '"', "n"):
                    raise ExpositionError(f"line {lineno}: bad escape \\{esc}")
                value.append("\n" if esc == "n" else esc)
                pos += 2
            elif c == '"':
                pos += 1
                break
            else:
                value.append(c)
                pos += 1
        if any(n == name for n, _ in labels):
            raise ExpositionError(f"line {lineno}: label {name} twice")
        labels.append((name, "".join(value)))
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("}", pos):
            raise ExpositionError(f"line {lineno}: expected , or }} after label {name}")


def _value(text, lineno):
    parts = text.split(" ")
    if not 1 <= len(parts) <= 2:
        raise ExpositionError(f"line {lineno}: expected value [timestamp], got {text!r}")
    if parts[0] in ("NaN", "+Inf", "-Inf"):
        v = float(parts[0].replace("+", ""))
    else:
        try:
            v = float(parts[0])
        except ValueError:
            raise ExpositionError(f"line {lineno}: bad value {parts[0]!r}") from None
    if len(parts) == 2 and not re.fullmatch(r"-?[0-9]+", parts[1]):
        raise ExpositionError(f"line {lineno}: bad timestamp {parts[1]!r}")
    return v


def parse(text):
    if not text.endswith("\n"):
        raise ExpositionError("the exposition must end with a newline")
    families = {}
    current = None

    def enter(name, lineno):
        nonlocal current
        if name != current:
            if name in families:
                raise ExpositionError(f"line {lineno}: family {name} split into blocks")
            current = name
        return families.setdefault(name, {"type": None, "help": None, "samples": {}})

    for lineno, line in enumerate(text[:-1].split("\n"), 1):
        if line == "":
            raise ExpositionError(f"line {lineno}: empty line")
        if line.startswith("#"):
            m = re.fullmatch(r"# (HELP|TYPE) (\S+)(?: (.*))?", line)
            if not m:
                continue  # a plain comment
            kind, name, rest = m.groups()
            if not NAME.fullmatch(name):
                raise ExpositionError(f"line {lineno}: bad metric name {name!r}")
            fam = enter(name, lineno)
            if kind == "HELP":
                if fam["help"] is not None or fam["samples"]:
                    raise ExpositionError(f"line {lineno}: HELP twice or after samples for {name}")
                fam["help"] = rest or ""
            else:
                if fam["type"] is not None or fam["samples"]:
                    raise ExpositionError(f"line {lineno}: TYPE twice or after samples for {name}")
                if rest not in TYPES:
                    raise ExpositionError(f"line {lineno}: unknown type {rest!r}")
                fam["type"] = rest
            continue
        m = NAME.match(line)
        if not m:
            raise ExpositionError(f"line {lineno}: bad sample {line!r}")
        name, pos = m.group(0), m.end()
        labels = ()
        if line.startswith("{", pos):
            labels, pos = _labels(line, pos, lineno)
        if not line.startswith(" ", pos):
            raise ExpositionError(f"line {lineno}: no value in {line!r}")
        value = _value(line[pos + 1:], lineno)
        family = name
        if name not in families and current and name.startswith(current) \
                and name[len(current):] in SUFFIXES:
            family = current
        fam = enter(family, lineno)
        key = (name, labels)
        if key in fam["samples"]:
            raise ExpositionError(f"line {lineno}: series {name}{dict(labels)} twice")
        fam["samples"][key] = value
    return families


def value(families, name, **labels):
    """The value of one series, e.g. value(f, "x_total", side="mqtt")."""
    want = tuple(sorted(labels.items()))
    for (n, ls), v in families.get(name, {}).get("samples", {}).items():
        if n == name and tuple(sorted(ls)) == want:
            return v
    raise KeyError(f"{name}{labels}")
