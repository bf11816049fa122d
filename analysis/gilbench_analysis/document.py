"""A small document model (headings, paragraphs, lists, tables, images) rendered to Markdown
and to one self-contained HTML page (images embedded as base64 data URIs)."""

import base64
import html
import os

from .errors import OutputError


def output_dir(path, what):
    """Create the output directory ``path`` (a ``what``: "report", "history") if needed; an
    OutputError (exit 4) naming it when it cannot be made or written."""
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise OutputError(path, f"cannot create the {what} directory ({exc.strerror or exc})")
    if not os.access(path, os.W_OK):
        raise OutputError(path, f"{what} directory is not writable")

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:0.88em}.wide{overflow-x:auto;max-width:100%}
th,td{border:1px solid #ccc;padding:0.25em 0.55em;text-align:left;vertical-align:top}
th{background:#f0f0f0}tr:nth-child(even) td{background:#fafafa}
figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}figcaption{color:#555;font-size:0.9em}
code{background:#f4f4f4;padding:0 0.2em}
"""


class Document:
    """Blocks in order; ``markdown()`` and ``html()`` render them."""

    def __init__(self, title):
        self.title = title
        self.blocks = []

    def heading(self, text, level=2):
        self.blocks.append(("heading", level, text))

    def paragraph(self, text):
        self.blocks.append(("paragraph", text))

    def bullets(self, items):
        self.blocks.append(("bullets", list(items)))

    def table(self, frame):
        """A DataFrame whose cells are already display strings."""
        self.blocks.append(("table", frame))

    def image(self, path, caption):
        self.blocks.append(("image", path, caption))

    # ------------------------------------------------------------------ Markdown
    def markdown(self, image_dir):
        """Markdown with images linked relative to ``image_dir`` (where report.md is written)."""
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out += ["#" * block[1] + " " + block[2], ""]
            elif kind == "paragraph":
                out += [block[1], ""]
            elif kind == "bullets":
                out += [f"- {item}" for item in block[1]] + [""]
            elif kind == "table":
                out += _md_table(block[1]) + [""]
            elif kind == "image":
                rel = os.path.relpath(block[1], image_dir)
                out += [f"![{block[2]}]({rel})", "", f"*{block[2]}*", ""]
        return "\n".join(out)

    # ------------------------------------------------------------------ HTML
    def html(self):
        """One HTML page with every image embedded; no external files or network needed."""
        out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
               f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>",
               f"<h1>{html.escape(self.title)}</h1>"]
        for block in self.blocks:
            kind = block[0]
            if kind == "heading":
                out.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
            elif kind == "paragraph":
                out.append(f"<p>{_inline(block[1])}</p>")
            elif kind == "bullets":
                out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in block[1]) + "</ul>")
            elif kind == "table":
                out.append(_html_table(block[1]))
            elif kind == "image":
                with open(block[1], "rb") as fh:
                    data = base64.b64encode(fh.read()).decode("ascii")
                cap = html.escape(block[2])
                out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{cap}">'
                           f"<figcaption>{cap}</figcaption></figure>")
        out.append("</body></html>")
        return "\n".join(out)


def _md_cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(frame):
    if frame.empty:
        return ["(none)"]
    cols = list(frame.columns)
    lines = ["| " + " | ".join(_md_cell(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    return lines


def _inline(text):
    """Escape, then render `code` spans and **bold** as Markdown does."""
    parts = html.escape(text).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    text = "".join(parts)
    bold = text.split("**")
    for i in range(1, len(bold), 2):
        bold[i] = f"<strong>{bold[i]}</strong>"
    return "".join(bold)


def _html_table(frame):
    if frame.empty:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    # wrapped: a table wider than the window scrolls in its own box, not the whole page
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
