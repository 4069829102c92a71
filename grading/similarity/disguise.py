"""A disguised copy of a student's work: what a student who copies tries in order not to be caught.

Local variables renamed (consistently within each function), top-level
functions reordered, comments reworded; the code still runs the same. It is
deterministic for a given seed. The sample class, the tests and the benchmark
use it to build copied pairs; the similarity check must see through it.
Works on source text only (``ast`` and ``tokenize``); nothing is imported.
"""

from __future__ import annotations

import ast
import io
import json
import random
import re
import tokenize
from pathlib import Path

__all__ = ["disguise_source", "disguise_notebook", "disguise_folder"]

_NAME_STEMS = ("tmp", "val", "res", "acc", "buf", "arr", "part", "item", "term", "piece", "elem", "chunk")
_COMMENT_OPENERS = ("note:", "here we", "step:", "now", "idea:", "i.e.")
_SYNONYMS = {
    "compute": "work out", "the": "our", "of": "for", "shape": "dims", "store": "keep",
    "result": "answer", "forward": "fwd", "backward": "bwd", "gradient": "grad", "input": "inp",
    "each": "every", "use": "apply", "and": "plus", "pass": "sweep", "loss": "cost",
}


def _local_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """Names the function assigns (not its parameters: renaming those would change its interface)."""
    params = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    params |= {a.arg for a in (function.args.vararg, function.args.kwarg) if a}
    declared = {name for node in ast.walk(function) if isinstance(node, ast.Global | ast.Nonlocal)
                for name in node.names}
    stored = [node.id for node in ast.walk(function)
              if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)]
    return [name for name in dict.fromkeys(stored) if name not in params | declared | {"self", "_"}]


def _renames(tree: ast.Module, rng: random.Random) -> list[tuple[int, int, dict[str, str]]]:
    """(first line, last line, old -> new name) for every top-level function and method."""
    taken = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    taken |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        functions += [node for node in cls.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    spans = []
    for function in functions:
        mapping: dict[str, str] = {}
        for name in _local_names(function):
            while True:
                new = f"{rng.choice(_NAME_STEMS)}_{rng.randrange(100):02d}"
                if new not in taken:
                    break
            taken.add(new)
            mapping[name] = new
        spans.append((function.lineno, function.end_lineno or function.lineno, mapping))
    return spans


def _reword(comment: str, rng: random.Random) -> str:
    text = comment.lstrip("#").strip()
    if not text or text.startswith(("noqa", "type:", "##")) or "SOLUTION" in text:
        return comment
    words = [_SYNONYMS.get(word.lower(), word) for word in text.split()]
    return f"# {rng.choice(_COMMENT_OPENERS)} {' '.join(words).lower()}"


def _rename_in_fstring(text: str, mapping: dict[str, str]) -> str:
    if not re.match(r"^[rRbBuU]*[fF]", text):
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, mapping)) + r")\b")
    return re.sub(r"\{[^{}]*\}", lambda m: pattern.sub(lambda n: mapping[n.group(1)], m.group(0)), text)


def _edit_tokens(source: str, spans: list[tuple[int, int, dict[str, str]]], rng: random.Random) -> str:
    """Apply the renames (names, not attributes or keyword arguments) and reword the comments."""
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []  # (row, start col, end col, new text)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    depth = 0
    for index, token in enumerate(tokens):
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        if token.type == tokenize.COMMENT:
            edits.append((token.start[0], token.start[1], token.end[1], _reword(token.string, rng)))
            continue
        mapping = next((m for first, last, m in spans if first <= token.start[0] <= last), None)
        if not mapping:
            continue
        if token.type == tokenize.STRING and token.start[0] == token.end[0]:
            new = _rename_in_fstring(token.string, mapping)
            if new != token.string:
                edits.append((token.start[0], token.start[1], token.end[1], new))
        elif token.type == tokenize.NAME and token.string in mapping:
            previous = tokens[index - 1] if index else None
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            is_attribute = previous is not None and previous.string in {".", "def", "class"}
            is_keyword = depth > 0 and following is not None and following.string == "="
            if not (is_attribute or is_keyword):
                edits.append((token.start[0], token.start[1], token.end[1], mapping[token.string]))
    for row, start, end, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def _reorder_functions(source: str, rng: random.Random) -> str:
    """Shuffle the top-level function definitions among the places they occupy."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    blocks = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno or node.lineno
            # Comments indented under the def after its last statement (### END SOLUTION) go with it.
            while end < len(lines) and lines[end].lstrip().startswith("#") and lines[end][:1].isspace():
                end += 1
            blocks.append((start - 1, end))
    texts = ["".join(lines[start:end]) for start, end in blocks]
    order = list(range(len(blocks)))
    rng.shuffle(order)
    for (start, end), new in sorted(zip(blocks, order, strict=True), reverse=True):
        lines[start:end] = [texts[new]]
    return "".join(lines)


def disguise_source(source: str, seed: int = 0, reorder: bool = True) -> str:
    """``source`` with local variables renamed, comments reworded and (``reorder``) functions shuffled.

    Raises SyntaxError when ``source`` is not valid Python.
    """
    rng = random.Random(seed)
    disguised = _edit_tokens(source, _renames(ast.parse(source), rng), rng)
    disguised = re.sub(r"\n\n\n+", "\n\n\n\n", disguised)  # whitespace changes too
    return _reorder_functions(disguised, rng) if reorder else disguised


def disguise_notebook(text: str, seed: int = 0) -> str:
    """A notebook's JSON with every code cell that is valid Python disguised (functions kept in order)."""
    notebook = json.loads(text)
    for number, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code" or cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            new = disguise_source(source, seed=seed * 1000 + number, reorder=False)
        except (SyntaxError, tokenize.TokenError):
            continue  # IPython magics and the like stay as they are
        cell["source"] = new.splitlines(keepends=True)
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def disguise_folder(source_dir: Path, dest_dir: Path, seed: int = 0) -> list[str]:
    """Write a disguised copy of a submission folder; returns the files copied unchanged, with why."""
    unchanged = []
    for path in sorted(source_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        target = dest_dir / path.relative_to(source_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py":
                text = disguise_source(text, seed=seed)
            elif path.suffix == ".ipynb":
                text = disguise_notebook(text, seed=seed)
            else:
                raise ValueError("not a module or notebook")
        except (UnicodeDecodeError, SyntaxError, tokenize.TokenError, ValueError) as error:
            target.write_bytes(path.read_bytes())
            unchanged.append(f"{path.relative_to(source_dir)}: {type(error).__name__}")
            continue
        target.write_text(text, encoding="utf-8")
    return unchanged
