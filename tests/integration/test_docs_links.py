# SPDX-License-Identifier: MIT
"""Every link between the documents lands: a relative Markdown link
`[text](path#anchor)` in README.md, docs/, bridge/ and the other READMEs names
a file or directory that exists (relative to the document, as GitHub reads
it), and its `#anchor` is a heading of the target as GitHub spells heading
anchors. Moving a section from one file to another breaks the old links;
this finds them."""
import glob
import os
import re

from conftest import SOURCE_DIR

LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def documents():
    names = ["README.md", "bench/README.md", "bridge/README.md"]
    for pattern in ("docs/*.md", "tests/*/README.md", "bridge/*/README.md"):
        names += glob.glob(pattern, root_dir=SOURCE_DIR)
    return sorted(n for n in names if os.path.isfile(os.path.join(SOURCE_DIR, n)))


def prose_lines(path):
    """The document's lines outside fenced code blocks, with their numbers."""
    fenced = False
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if FENCE.match(line):
                fenced = not fenced
            elif not fenced:
                yield n, line


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation but `-` and `_`
    dropped, each space a `-`."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    seen, out = {}, set()
    for _, line in prose_lines(path):
        m = re.match(r"^#{1,6} (.*)", line)
        if m:
            base = slug(m.group(1))
            k = seen.get(base, 0)
            seen[base] = k + 1
            out.add(base if k == 0 else f"{base}-{k}")
    return out


def broken_links(doc):
    bad, count = [], 0
    here = os.path.dirname(os.path.join(SOURCE_DIR, doc))
    for n, line in prose_lines(os.path.join(SOURCE_DIR, doc)):
        for target in LINK.findall(line):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            count += 1
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(here, path)) if path else os.path.join(SOURCE_DIR, doc)
            if not os.path.exists(full):
                bad.append(f"{doc}:{n}: {target}: no such file")
            elif anchor and (not full.endswith(".md") or anchor not in anchors(full)):
                bad.append(f"{doc}:{n}: {target}: no heading #{anchor} there")
    return bad, count


def test_slug_is_githubs():
    assert slug("HTTP: `/healthz` and `/metrics`") == "http-healthz-and-metrics"
    assert slug("MQTT 5 request/response") == "mqtt-5-requestresponse"
    assert slug("Navixy (upstream) faults") == "navixy-upstream-faults"
    assert slug("Control plane: every instance applies, shard 0 answers") == \
        "control-plane-every-instance-applies-shard-0-answers"


def test_links_between_documents_land():
    bad, total = [], 0
    for doc in documents():
        b, n = broken_links(doc)
        bad += b
        total += n
    assert total >= 40, total  # the documents were read and hold links
    assert not bad, "\n".join(bad)


def test_a_moved_section_is_caught(tmp_path):
    # The check itself: a link to a heading that is not there is reported.
    doc = tmp_path / "a.md"
    doc.write_text("# Title\n\nsee [x](#title) and [y](#gone) and [z](b.md)\n")
    rel = os.path.relpath(doc, SOURCE_DIR)
    bad, n = broken_links(rel)
    assert n == 3
    assert len(bad) == 2 and "#gone" in bad[0] and "b.md" in bad[1], bad
