"""The command line in both languages: --lang, else LANG; help, argparse's own errors, command errors, output."""
from __future__ import annotations

import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ecomops import commands as commands_package
from ecomops import db, i18n
from ecomops.__main__ import main
from ecomops.i18n.visible import assert_clean

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Syntax a user types as is, in any language: the program, option names, command names, paths, the date format.
# Command names come from the command modules (import_cmd is "import"), so a new command is syntax too.
COMMANDS = sorted(info.name.removesuffix("_cmd").replace("_", "-")
                  for info in pkgutil.iter_modules(commands_package.__path__))
SYNTAX = re.compile(r"python -m ecomops|--?[a-z][a-z-]*|\{zh,en\}|\bzh, en\b|\bLANG\b|\$ECOMOPS_[A-Z]+|"
                    r"data/ecomops\.duckdb|YYYY-MM-DD|\.gz\b|"
                    r"\b(?:" + "|".join(map(re.escape, COMMANDS)) + r"|imports)\b")


@pytest.fixture
def tiny_db(tmp_path):
    """Return the path of a database file holding the tiny hand-built store (tests/fixtures_tiny.sql)."""
    path = tmp_path / "tiny.duckdb"
    con = db.connect(path)
    sql = (PROJECT_ROOT / "tests" / "fixtures_tiny.sql").read_text(encoding="utf-8")
    for statement in con.extract_statements(sql):
        con.execute(statement)
    yield path
    db.close(path)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # --help and argparse errors exit
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_python_m_ecomops_lang_zh_kpis_help_is_chinese():
    env = dict(os.environ, LANG="C.UTF-8")
    result = subprocess.run([sys.executable, "-m", "ecomops", "--lang", "zh", "kpis", "--help"], capture_output=True,
                            text=True, cwd=PROJECT_ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "用法：python -m ecomops kpis [-h] [--db 路径] [--start 日期] [--end 日期] [--json]"
    assert lines[2] == "打印一段日期内的首页核心指标（成交额、支付订单数、支付买家数、访客数、支付转化率、客单价、笔单价、复购率）。"
    assert lines[4:] == [
        "选项:",
        "  -h, --help    显示帮助信息并退出",
        "  --db 路径     数据库文件（默认：$ECOMOPS_DB，否则为 data/ecomops.duckdb）",  # aligned by display width
        "  --start 日期  开始日期（YYYY-MM-DD），默认：数据的第一天",
        "  --end 日期    结束日期（YYYY-MM-DD），默认：数据的最后一天",
        "  --json        输出一个 JSON 对象（代码和原始数值）",
    ]
    assert_clean([SYNTAX.sub(" ", line) for line in lines], "zh_CN")


def test_the_lang_environment_chooses_when_there_is_no_option():
    env = dict(os.environ, LANG="zh_CN.UTF-8")
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    zh = subprocess.run([sys.executable, "-m", "ecomops", "--help"], capture_output=True, text=True,
                        cwd=PROJECT_ROOT, env=env, timeout=120)
    assert zh.returncode == 0 and zh.stdout.startswith("用法：python -m ecomops [-h] [--engine {duckdb,spark}] [--lang {zh,en}] 命令 ...")
    assert "    kpis                打印一段日期内的首页核心指标（默认：全部数据）" in zh.stdout
    assert_clean([SYNTAX.sub(" ", line) for line in zh.stdout.splitlines()], "zh_CN")
    en = subprocess.run([sys.executable, "-m", "ecomops", "--help", "--lang", "en"], capture_output=True, text=True,
                        cwd=PROJECT_ROOT, env=env, timeout=120)  # the option wins over LANG, wherever it stands
    assert en.returncode == 0 and en.stdout.startswith("usage: python -m ecomops [-h] [--engine {duckdb,spark}] [--lang {zh,en}]\n                         COMMAND ...")
    assert_clean(en.stdout.splitlines(), "en")


@pytest.mark.parametrize("lang, expected", [
    ("zh", ["用法：python -m ecomops kpis [-h] [--db 路径] [--start 日期] [--end 日期] [--json]",
            "python -m ecomops kpis：错误：参数 --start：不是日期（请用 YYYY-MM-DD 格式）：'2026-13-01'"]),
    ("en", ["usage: python -m ecomops kpis [-h] [--db PATH] [--start DATE] [--end DATE]",
            "                              [--json]",
            "python -m ecomops kpis: error: argument --start: not a date (use YYYY-MM-DD): '2026-13-01'"]),
])
def test_argument_errors_in_both_languages(capsys, lang, expected):
    code, out, err = _run(capsys, "--lang", lang, "kpis", "--start", "2026-13-01")
    assert code == 2 and out == ""
    assert err.splitlines() == expected
    assert i18n.current_locale() == "en"  # the command's locale does not outlive it


@pytest.mark.parametrize("lang, expected", [
    ("zh", "错误：--start 2024年3月5日 晚于 --end 2024年3月4日"),
    ("en", "error: --start 2024-03-05 is after --end 2024-03-04"),
])
def test_command_errors_in_both_languages(capsys, tiny_db, lang, expected):
    code, out, err = _run(capsys, "kpis", "--db", str(tiny_db), "--start", "2024-03-05", "--end", "2024-03-04",
                          "--lang", lang)
    assert (code, out, err) == (2, "", expected + "\n")


def test_unknown_language_is_a_clear_error(capsys):
    assert _run(capsys, "--lang", "fr", "kpis") == (2, "", "error: unknown language 'fr'; choose one of: zh, en\n")


def test_kpis_printed_in_both_languages(capsys, tiny_db):
    # The tiny store on 2024-03-04..05 (tests/test_metrics.py): GMV 70, 4 orders, 2 buyers, UV 100.
    args = ("kpis", "--db", str(tiny_db), "--start", "2024-03-04", "--end", "2024-03-05")
    assert _run(capsys, "--lang", "zh", *args) == (0, "\n".join([
        "2024年3月4日至2024年3月5日 核心指标",
        "  成交额      ¥70.00",
        "  支付订单数  4",
        "  支付买家数  2",
        "  访客数      100",
        "  支付转化率  2.00%",
        "  客单价      ¥35.00",
        "  笔单价      ¥17.50",
        "  复购率      50.00%",
    ]) + "\n", "")
    assert _run(capsys, "--lang", "en", *args) == (0, "\n".join([
        "KPIs for 2024-03-04 – 2024-03-05",
        "  GMV              CN¥70.00",
        "  Orders           4",
        "  Buyers           2",
        "  UV               100",
        "  Conversion rate  2.00%",
        "  Spend per buyer  CN¥35.00",
        "  AOV              CN¥17.50",
        "  Repurchase rate  50.00%",
    ]) + "\n", "")
    code, out, _err = _run(capsys, "--lang", "zh", *args, "--json")  # JSON stays codes and plain numbers
    assert code == 0 and out.startswith('{"gmv": 70.0, "orders": 4,')
