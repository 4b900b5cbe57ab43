"""`python` checks: promptfoo's verdicts on an expression's result, and an interpreter that runs
no code of the suite's: everything outside its whitelist or over a budget fails, cleanly.

Verdict cases follow promptfoo's test/assertions/python.test.ts ("should handle inline return
type ...") and src/assertions/python.ts; results of the interpreter are checked against CPython.
"""

from __future__ import annotations

import ast
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.checks import Observed, Verdict, evaluate, validate_check
from workbench.checks_python import MAX_SIZE, python_value
from workbench.errors import UsageError
from workbench.suite import Check

OUTPUT = 'Hello there! {"a": 1} is not JSON as a whole.'
VARIABLES = {"city": "Paris", "n": "3"}


def judge(
    expression: str,
    output: str = OUTPUT,
    threshold: float | None = None,
    *,
    inverse: bool = False,
) -> Verdict:
    kind = "not-python" if inverse else "python"
    return evaluate(Check(kind, expression, threshold), Observed(output), VARIABLES)


@pytest.mark.parametrize(
    ("expression", "output", "passed"),
    [
        ("len(output) > 3", "hello", True),
        ("len(output) > 3", "hi", False),
        ("output.lower().startswith('hello')", "HELLO world", True),
        ("output[5:10] == 'Hello'", "12345Hello!", True),  # promptfoo's documented example
        ("output[-1] == '!'", "hey!", True),
        ("0 < len(output) < 10 != 11", "abc", True),
        ("json.loads(output)['a'] == 1", '{"a": 1}', True),
        ("json_loads(output)['list'][1:] == [2.5, None]", '{"list": [1, 2.5, null]}', True),
        ("context['vars']['city'] in output", "Paris is lovely", True),
        ("vars['city'] == 'Paris' and int(vars['n']) + 1 == 4", "", True),
        ("all(w.isalpha() for w in output.split())", "only plain words", True),
        ("any(w.isdigit() for w in output.split())", "only plain words", False),
        ("max(len(line) for line in output.splitlines()) <= 5", "abc\nabcde\n", True),
        ("sorted(set(output.split()), reverse=True)[0] == 'c'", "b a c a", True),
        ("{k: v for k, v in vars.items()}['n'] == '3'", "", True),
        ("[w.upper() for w in output.split() if w] == ['A', 'B']", " a  b ", True),
        ("'-'.join(sorted(output)) == 'a-b-c'", "cab", True),
        ("output.count('a') >= 2 or output.find('z') != -1", "banana", True),
        ("output.replace('a', 'o', 1) == 'bonana'", "banana", True),
        ("'x' if 'q' in output else ''", "q", False),  # a string is neither pass nor fail
        ("sum(len(w) for w in output.split()) == 10", "hello world", True),
        ("len(list(range(2, 10, 3))) == 3 and abs(-2) == round(2.4)", "", True),
        ("(output.strip(), bool([])) == ('x', False)", " x ", True),
        ("[1, 2] + [3] == list((1, 2, 3)) and {1, 2} & {2} == {2}", "", True),
        ("not output", "", True),
        ("dict([('a', 1)]).get('b', 2) == 2", "", True),
        ("[x for _ in 'ab' for x in 'cd'] == list('cdcd')", "", True),
        ("'{{ city }}' in output", "I like Paris", True),  # rendered like every value
        ("# a comment, then\nreturn len(output) > 3\n", "hello", True),  # a function body
        ("  return (len(output)\n          > 3)", "hello", True),
    ],
)
def test_boolean_results_decide_the_verdict(expression: str, output: str, passed: bool) -> None:
    verdict = judge(expression, output)
    assert verdict.passed is passed, verdict.reason
    assert verdict.score == (1.0 if passed else 0.0)


@pytest.mark.parametrize(
    ("result", "threshold", "passed", "score"),
    [
        # python.test.ts: 'number', 0 -> fails, score 0; 'number', 1 -> passes, score 1.
        ("0", None, False, 0.0),
        ("1", None, True, 1.0),
        ("0.5", None, True, 0.5),  # "should handle Python returning a score" (> 0 passes)
        ("0.5", 0.6, False, 0.5),  # with a threshold: result >= threshold
        ("0.6", 0.6, True, 0.6),
        ("len(output) / 10", 0.3, True, 0.5),
        ("-3", None, False, 0.0),  # clamped into 0..1
        ("7", None, True, 1.0),
        ("7", 10, False, 1.0),
        ("2 ** 200", None, True, 1.0),
    ],
)
def test_number_results_are_scores(
    result: str, threshold: float | None, passed: bool, score: float
) -> None:
    verdict = judge(result, "hello", threshold)
    assert (verdict.passed, verdict.score) == (passed, score), verdict.reason


def test_not_python_inverts_the_verdict_as_promptfoo() -> None:
    assert not judge("True", inverse=True).passed
    inverted = judge("False", inverse=True)
    assert inverted.passed and inverted.score == 1.0  # a bool scores its verdict
    number = judge("0.5", inverse=True)
    assert not number.passed and number.score == 0.5  # a number's score stays as it is
    assert judge("0.5", threshold=0.6, inverse=True).passed


def test_reasons_say_what_the_expression_gave() -> None:
    assert judge("len(output) > 1000").reason == "the python expression is False"
    assert judge("0.25", threshold=0.5).reason == (
        "the python expression gave 0.25, below the threshold 0.5"
    )
    assert judge("0").reason == "the python expression gave 0, not above 0"
    assert judge("output").reason == "the python expression gave str, not True, False or a number"
    assert "gave NoneType" in judge("None").reason
    assert "gave a generator" in judge("(c for c in output)").reason


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        ("output['a']", "TypeError: string indices must be integers"),
        ("1 / 0", "ZeroDivisionError: division by zero"),
        ("vars['missing']", "KeyError: 'missing'"),
        ("[1, 2][5]", "IndexError: list index out of range"),
        ("int(output)", "ValueError: invalid literal for int()"),
        ("len(output) > 'a'", "TypeError: '>' not supported"),
        ("output.split('')", "ValueError: empty separator"),
        ("[x for x, y in ['abc']]", "cannot unpack str into 2 names"),
        ("json.loads(output)", "json.loads() could not read the text"),
        ("len(5)", "TypeError: object of type 'int' has no len()"),
        ("[1].index(2)", "ValueError: 2 is not in list"),
    ],
)
def test_errors_fail_the_check_whatever_its_not(expression: str, error: str) -> None:
    for inverse in (False, True):
        verdict = judge(expression, inverse=inverse)
        assert not verdict.passed and verdict.score == 0.0
        assert error in verdict.reason


def test_a_score_that_is_not_finite_fails() -> None:
    nan = judge("float('nan')", inverse=True)
    assert not nan.passed and nan.score == 0.0
    assert nan.reason.endswith("a score of NaN fails the check")
    infinite = judge("float('inf')")
    assert not infinite.passed and infinite.reason.endswith("a score of Infinity fails the check")


# --- hostile expressions -----------------------------------------------------------------------

BIG = "word " * 60_000  # 300,000 characters

# (expression, output, a part of the reason): refused up front or stopped while running.
HOSTILE: list[tuple[str, str, str]] = [
    ("__import__('os').system('echo hi')", OUTPUT, "method .system() is not allowed"),
    ("__import__('os')", OUTPUT, "__import__() is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", OUTPUT, ".__subclasses__() is not allowed"),
    ("().__class__.__bases__", OUTPUT, "names starting with _"),
    ("output.__class__", OUTPUT, "names starting with _"),
    ("[].__class__.__base__", OUTPUT, "names starting with _"),
    ("context.__class__", OUTPUT, "names starting with _"),
    ("_secret", OUTPUT, "names starting with _"),
    ("(lambda: 1)()", OUTPUT, "only named functions and methods may be called"),
    ("sorted(output) if (lambda: 1) else 0", OUTPUT, "may not use lambda"),
    ("[x := 1]", OUTPUT, "assignment expressions"),
    ("(y := output)", OUTPUT, "assignment expressions"),
    ("f'{output}'", OUTPUT, "may not use f-strings"),
    ("f'{().__class__.__mro__}'", OUTPUT, "f-strings"),
    ("'{0.__class__}'.format(output)", OUTPUT, "method .format() is not allowed"),
    ("output.format_map({})", OUTPUT, "method .format_map() is not allowed"),
    ("getattr(output, 'upper')()", OUTPUT, "only named functions and methods"),
    ("getattr(output, 'upper')", OUTPUT, "getattr() is not allowed"),
    ("eval('1')", OUTPUT, "eval() is not allowed"),
    ("exec('1')", OUTPUT, "exec() is not allowed"),
    ("open('/etc/passwd').read()", OUTPUT, "method .read() is not allowed"),
    ("open('/etc/passwd')", OUTPUT, "open() is not allowed"),
    ("globals()", OUTPUT, "globals() is not allowed"),
    ("vars()", OUTPUT, "vars() is not allowed"),
    ("type(output)", OUTPUT, "type() is not allowed"),
    ("output.upper", OUTPUT, "attributes only as method calls"),
    ("json.dumps(output)", OUTPUT, "method .dumps() is not allowed"),
    ("json", OUTPUT, "json is only there as json.loads"),
    ("len", OUTPUT, "len is a function here"),
    ("os", OUTPUT, "unknown name 'os'"),
    ("[*output]", OUTPUT, "may not use * unpacking"),
    ("{**vars}", OUTPUT, "** unpacking"),
    ("dict(**vars)", OUTPUT, "** unpacking"),
    ("sorted(output, key=len)", OUTPUT, "sorted() takes no keyword 'key'"),
    ("[c for c.x in output]", OUTPUT, "may only bind names"),
    ("b'bytes'", OUTPUT, "bytes literals are not allowed"),
    ("1j", OUTPUT, "complex literals are not allowed"),
    ("import os", OUTPUT, "syntax error"),
    ("x = 1\nreturn x", OUTPUT, "one `return EXPRESSION`"),
    ("len(output) > 3\n", OUTPUT, "one `return EXPRESSION`"),
    ("return __import__('os')\n", OUTPUT, "__import__() is not allowed"),
    ("1\x00", OUTPUT, "syntax error"),
    ("1" + "+1" * 4900, OUTPUT, "nested"),
    ("-" * 5000 + "1", OUTPUT, "nested too deeply"),
    ("(" * 300 + "1" + ")" * 300, OUTPUT, "too many nested parentheses"),
    ("[" * 60 + "]" * 60, OUTPUT, "nested over 50 levels deep"),
    ("not " * 2000 + "True", OUTPUT, "nested over 50 levels deep"),
    ("[" + "1, " * 600 + "]", OUTPUT, "too long (over 500 parts)"),
    ("1" * 20_000, OUTPUT, "over 10,000 characters"),
    ("check.py", OUTPUT, "run a file (check.py)"),
    ("file://check.py:grade", OUTPUT, "file://"),
    # Budgets, checked while running:
    ("9 ** 9 ** 9", OUTPUT, "over 100,000 bits"),
    ("10 ** 1000000", OUTPUT, "over 100,000 bits"),
    ("1 << 10 ** 6", OUTPUT, "over 100,000 bits"),
    ("2 ** 99_999 * 2 ** 99_999", OUTPUT, "over 100,000 bits"),
    ("'a' * 10 ** 9", OUTPUT, "repeated str would be over 1,000,000"),
    ("[0] * 10 ** 8", OUTPUT, "repeated list would be over 1,000,000"),
    ("output * 10 ** 6", OUTPUT, "repeated str would be over"),
    ("(output + output) * 20_000", OUTPUT, "repeated str would be over"),
    ("'%s' % output", OUTPUT, "formatting with % is not supported"),
    ("'%*d' % (10 ** 8, 1)", OUTPUT, "formatting with % is not supported"),
    ("[[i for i in range(10**5)] for j in range(10**5)]", OUTPUT, "over 100,000 steps"),
    ("sum(1 for a in range(10**6) for b in range(10**6))", OUTPUT, "over 100,000 steps"),
    ("[c for c in output for d in output for e in output]", BIG, "over 100,000 steps"),
    ("range(10 ** 12)", OUTPUT, "range() of over 1,000,000 numbers"),
    ("max(range(10 ** 7))", OUTPUT, "range() of over"),
    ("output.replace('', 'x' * 1000)", OUTPUT * 50, "replaced text would be over"),
    ("'x'.join([output] * 1000)", BIG, "joined text would be over"),
    ("str([output] * 1000)", BIG, "the text would be over"),
    ("output + output + output + output", BIG, "joining these goes over"),
    ("[output.upper() for _ in range(50)]", BIG, "made over 10,000,000"),
    ("int('9' * 5000)", OUTPUT, "Exceeds the limit"),
    ("round(5, -10 ** 6)", OUTPUT, "round() takes at most 400 digits"),
    ("json.loads('[' * 100000 + ']' * 100000)", OUTPUT, "nested too deeply"),
    ("(-8) ** 0.5", OUTPUT, "complex numbers are not supported"),
    ("10.0 ** 10 ** 6", OUTPUT, "OverflowError"),
    ("sum([[1]] * 1000, [])", OUTPUT, "its start must be a number"),
    ("str(c for c in output)", OUTPUT, "a generator has no text"),
    ("len(output.split()) * 'abcdefghijklmnopqrstu'", BIG, "repeated str would be over"),
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("expression", "output", "why"), HOSTILE)
def test_hostile_expressions_fail_cleanly(expression: str, output: str, why: str) -> None:
    for inverse in (False, True):
        kind = "not-python" if inverse else "python"
        verdict = evaluate(Check(kind, expression), Observed(output), VARIABLES)
        assert not verdict.passed and verdict.score == 0.0
        assert why in verdict.reason


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os')",
        "().__class__",
        "(lambda: 1)()",
        "(y := output)",
        "f'{output}'",
        "output.format_map({})",
        "open('x')",
        "output.upper",
        "[*output]",
        "dict(**vars)",
        "b'x'",
        "import os",
        "x = 1\nreturn x",
        "-" * 5000 + "1",
        "[" * 60 + "]" * 60,
        "not " * 2000 + "True",
        "[" + "1, " * 600 + "]",
        "check.py",
    ],
)
def test_validation_refuses_disallowed_constructs_up_front(expression: str) -> None:
    with pytest.raises(UsageError, match=r"^suite\.yaml:9: 'python': "):
        validate_check(Check("python", expression), "suite.yaml:9")


@pytest.mark.parametrize(
    "check",
    [
        Check("python", "len(output) > 3"),
        Check("not-python", "output.startswith('{{ prefix }}')"),  # templated: checked later
        Check("python", "len(output)", 40),  # any threshold for a number
        Check("python", "# why\nreturn 'x' in output\n"),
        Check("python", "[_ for _ in output]"),
        Check("python", r"'\d' in output"),  # an invalid escape is only a warning in Python
    ],
    ids=lambda check: check.value,
)
def test_validation_accepts_good_expressions(check: Check) -> None:
    validate_check(check, "suite.yaml:9")


def test_hostile_text_in_the_output_or_variables_is_only_data() -> None:
    output = "__import__('os').system('echo hi')"
    assert judge("'__import__' in output", output).passed
    variables = {"code": "().__class__"}
    verdict = evaluate(Check("python", "vars['code'] == '().__class__'"), Observed(""), variables)
    assert verdict.passed


def test_the_largest_allowed_values_still_work() -> None:
    assert judge(f"len('a' * {MAX_SIZE}) == {MAX_SIZE}").passed
    assert judge("len(list(range(10 ** 6))) == 10 ** 6").passed
    assert judge("2 ** 99_000 > 0").passed


# --- agreement with CPython --------------------------------------------------------------------

LEAVES = st.one_of(
    st.integers(-50, 50).map(str),
    st.sampled_from(["'ab'", "''", "'x y'", "[1, 2]", "[]", "(1,)", "True", "None", "2.5"]),
    st.sampled_from(["output", "vars['n']"]),
)
OPERATORS = st.sampled_from(
    ["+", "-", "*", "//", "%", "/", "**", "==", "!=", "<", ">=", "in", "not in", "and", "or"]
)


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(LEAVES)
    shape = draw(st.sampled_from(["binary", "unary", "call", "slice", "if"]))
    left = draw(expressions(depth - 1))
    if shape == "binary":
        return f"({left} {draw(OPERATORS)} {draw(expressions(depth - 1))})"
    if shape == "unary":
        return f"({draw(st.sampled_from(['not ', '-']))}{left})"
    if shape == "call":
        return f"{draw(st.sampled_from(['len', 'bool', 'str', 'sorted', 'list', 'abs']))}({left})"
    if shape == "slice":
        return f"({left})[{draw(st.integers(-3, 3))}:]"
    return f"({left} if {draw(expressions(depth - 1))} else {draw(expressions(depth - 1))})"


def _cpython(expression: str, names: dict[str, object]) -> tuple[str, object]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "'int' object is not subscriptable" is a warning
            code = compile(expression, "<test>", "eval")
        value = eval(code, {"__builtins__": __builtins__}, names)
    except Exception as exc:
        return ("error", type(exc).__name__)
    return ("value", value)


@given(expressions())
def test_results_agree_with_cpython(expression: str) -> None:
    names: dict[str, object] = {"output": "ab", "vars": {"n": "3"}}
    kind, expected = _cpython(expression, names)
    verdict = evaluate(Check("python", expression), Observed("ab"), {"n": "3"})
    if kind == "error":
        assert not verdict.passed
        assert str(expected) in verdict.reason or "stopped" in verdict.reason
    elif isinstance(expected, bool):
        assert verdict.passed is expected
    elif isinstance(expected, int | float):
        assert verdict.passed is (expected > 0)
    else:
        assert not verdict.passed and "not True, False or a number" in verdict.reason


def test_python_value_gives_the_checked_expression() -> None:
    tree = python_value("len(output) > 3")
    assert isinstance(tree, ast.Compare)
