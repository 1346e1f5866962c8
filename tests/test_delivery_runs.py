"""Running delivery: exactly once across runs of ``deliver --due``, catch-up after a missed window, retries with
exponential backoff, a crash mid-send, the scheduler with an injected clock, the command line, no personal data in
any message, and the real weekly review PDF of the demo store arriving by email."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pypdf import PdfReader

from ecomops import db
from ecomops.__main__ import main
from ecomops.ops.delivery import formats, schedule, store
from ecomops.ops.delivery.content import DomainContent
from ecomops.ops.delivery.model import Destination, Message, Subscription
from ecomops.ops.delivery.runner import Runner
from ecomops.ops.delivery.scheduler import Scheduler
from tests.conftest import PROJECT_ROOT
from tests.delivery_servers import http_server, smtp_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SHANGHAI = timezone(timedelta(hours=8))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(timezone.utc)


@pytest.fixture(scope="module")
def server():
    with http_server() as s:
        yield s


@pytest.fixture(autouse=True)
def _clean(server):
    server.clear()
    yield
    server.clear()


@pytest.fixture(scope="module")
def demo_master(demo_db_path, tmp_path_factory) -> Path:
    """Return a copy of the small demo database (checkpointed first, so the file holds everything)."""
    con = db.connect(demo_db_path)
    con.execute("CHECKPOINT")
    master = tmp_path_factory.mktemp("delivery_demo") / "master.duckdb"
    shutil.copyfile(demo_db_path, master)
    return master


@pytest.fixture
def demo_copy(demo_master, tmp_path) -> Path:
    """Return a fresh copy of the demo database for one test (delivery writes its tables)."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_master, path)
    yield path
    db.close(path)


class FakeContent:
    """A content builder that needs no store data: one line naming the occurrence and its data days."""

    def __init__(self) -> None:
        self.built: list[tuple[str, str]] = []
        self.fail_next: BaseException | None = None

    def coverage(self, con, sub, occ, covered_until):
        return occ.period_start, occ.period_end

    def build(self, con, sub, occ, covers, base_url):
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        self.built.append((sub.name, occ.key))
        return Message(f"{sub.name} {occ.key}", [f"data {covers[0]} – {covers[1]}"], language=sub.language)


def hook_con(server, *subs: Subscription, **settings):
    """Return an in-memory database with one signed webhook destination ('hook') and the given subscriptions."""
    con = db.connect_memory()
    store.save_settings(con, **settings)
    store.save_destination(con, Destination("hook", "webhook", {"timeout": 5},
                                            {"url": server.url_for("/hook?token=hook-token-1"),
                                             "secret": "hook-secret-2"}))
    for sub in subs:
        store.save_subscription(con, sub)
    return con


def log_rows(con) -> list[dict]:
    return [e.__dict__ for e in store.recent_log(con, 100)]


# ------------------------------------------------------------------------------------------------------------------
# The command line on the demo store: exactly once, catch-up


def _config(server, path: Path, extra: str = "") -> Path:
    path.write_text(f"""
[delivery]
base_url = "https://ecomops.example.com"

[destinations.ding]
kind = "dingtalk"
url = "{server.url_for('/robot/send?access_token=ding-token-3')}"
secret = "SECding-secret-4"

[destinations.wecom]
kind = "wecom"
url = "{server.url_for('/cgi-bin/webhook/send?key=wecom-key-5')}"

[destinations.feishu]
kind = "feishu"
url = "{server.url_for('/open-apis/bot/v2/hook/feishu-hook-6')}"
secret = "feishu-secret-7"

[destinations.slack]
kind = "slack"
url = "{server.url_for('/services/T1/B1/slack-8')}"

[destinations.hook]
kind = "webhook"
url = "{server.url_for('/hook')}"

[subscriptions.weekly]
kind = "weekly_review"
destinations = ["ding", "wecom", "feishu", "slack", "hook"]
language = "zh"

[subscriptions.stock]
kind = "stockouts"
destinations = ["hook"]
language = "en"

[subscriptions.sla]
kind = "sla_breaches"
destinations = ["ding"]
{extra}""", encoding="utf-8")
    return path


def _answer_all(server) -> None:
    for path in ("/robot/send", "/cgi-bin/webhook/send"):
        server.expect_request(path, method="POST").respond_with_json({"errcode": 0, "errmsg": "ok"})
    server.expect_request("/open-apis/bot/v2/hook/feishu-hook-6", method="POST").respond_with_json({"code": 0})
    server.expect_request("/services/T1/B1/slack-8", method="POST").respond_with_data("ok")
    server.expect_request("/hook", method="POST").respond_with_data("", status=204)


def _deliver(db_path: Path, *args: str) -> tuple[int, dict]:
    """Run ``python -m ecomops deliver`` in its own process (as cron would); return (exit code, its JSON)."""
    db.close(db_path)
    done = subprocess.run([sys.executable, "-m", "ecomops", "deliver", "--db", str(db_path), *args, "--json"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def _deliver_here(db_path: Path, capsys, *args: str) -> tuple[int, dict]:
    """Run ``deliver`` in this process (quicker than a new one); return (exit code, its JSON)."""
    capsys.readouterr()
    code = main(["deliver", "--db", str(db_path), *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_deliver_due_twice_sends_each_message_once(server, demo_copy, tmp_path):
    _answer_all(server)
    config = _config(server, tmp_path / "delivery.toml")
    code, first = _deliver(demo_copy, "--config", str(config), "--due", "--now", "2026-11-16T09:30")
    assert code == 0
    sent = sorted((d["subscription"], d["occurrence"], d["destination"]) for d in first["deliveries"]
                  if d["status"] == "sent")
    assert sent == [("sla", "2026-11-16", "ding"), ("stock", "2026-11-16", "hook"),
                    *[("weekly", "2026-W46", name) for name in ("ding", "feishu", "hook", "slack", "wecom")]]
    assert len(server.log) == 7
    bodies = {r.path: r.get_data(as_text=True) for r, _ in server.log}
    assert "周报 2026-W46（11-09 至 11-15）" in bodies["/cgi-bin/webhook/send"]
    assert "data_review?start=2026-11-09&end=2026-11-15" in bodies["/services/T1/B1/slack-8"]

    code, second = _deliver(demo_copy, "--due", "--now", "2026-11-16T09:45")
    assert (code, second["deliveries"]) == (0, [])
    assert len(server.log) == 7  # nothing sent twice
    con = db.connect(demo_copy)
    rows = log_rows(con)
    assert len(rows) == 7 and {r["status"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}


def test_a_missed_window_is_caught_up_once(server, demo_copy, tmp_path, capsys):
    _answer_all(server)
    config = _config(server, tmp_path / "delivery.toml", extra="""
[subscriptions.alerts]
kind = "alerts"
destinations = ["hook"]
language = "en"
""")
    code, first = _deliver_here(demo_copy, capsys, "--config", str(config), "--due", "--now", "2026-07-03T09:30")
    assert code == 0
    weekly_first = {d["destination"]: d for d in first["deliveries"] if d["subscription"] == "weekly"}
    assert {d["occurrence"] for d in weekly_first.values()} == {"2026-W26"}  # Monday 06-29's occurrence
    alerts_first = next(d for d in first["deliveries"] if d["subscription"] == "alerts")
    assert (alerts_first["status"], alerts_first["covers"]) == ("empty", ["2026-07-02", "2026-07-02"])
    server.clear()
    _answer_all(server)

    # Nobody ran delivery for ten days: the weekly review of 07-06 and the daily alerts of 07-04 .. 07-12 were
    # missed. One run catches up: one weekly review (the latest, 2026-W28), one alert message covering the data
    # days since the last one, 7 days back at most (07-06 .. 07-12) — not one message per missed occurrence.
    code, later = _deliver_here(demo_copy, capsys, "--due", "--now", "2026-07-13T10:00")
    assert code == 0
    weekly = [d for d in later["deliveries"] if d["subscription"] == "weekly"]
    assert {(d["occurrence"], d["superseded"], d["status"]) for d in weekly} == {("2026-W28", 1, "sent")}
    assert len(weekly) == 5
    [alerts] = [d for d in later["deliveries"] if d["subscription"] == "alerts"]
    # The alert engine (calendar-aware baseline, tuned band: test_monitoring, bench/bench_alerts.py) finds nothing
    # in those days of the 2,000-customer demo: the caught-up occurrence is recorded once, as empty.
    assert (alerts["occurrence"], alerts["status"], alerts["superseded"]) == ("2026-07-13", "empty", 9)
    assert alerts["covers"] == ["2026-07-06", "2026-07-12"]
    hook_bodies = [json.loads(r.get_data()) for r, _ in server.log if r.path == "/hook"]
    assert [b for b in hook_bodies if b["kind"] == "alerts"] == []
    assert sum(b["kind"] == "weekly_review" for b in hook_bodies) == 1

    code, again = _deliver_here(demo_copy, capsys, "--due", "--now", "2026-07-13T23:00")
    assert (code, again["deliveries"]) == (0, [])


# ------------------------------------------------------------------------------------------------------------------
# Retries, crashes


def test_a_500_answer_is_retried_with_backoff_then_sent(server):
    server.expect_oneshot_request("/hook").respond_with_data("busy", status=500)
    server.expect_request("/hook").respond_with_data("", status=204)
    con = hook_con(server, Subscription("weekly", "weekly_review", ("hook",)), retry_base_seconds=30,
                   inline_wait_limit=120)
    waits: list[float] = []
    [outcome] = Runner(con, content=FakeContent(), sleep=waits.append).run_due(at("2026-11-16T09:30+08:00"))
    assert (outcome.status, outcome.attempts, waits) == ("sent", 2, [30])
    [row] = log_rows(con)
    assert (row["status"], row["attempts"], row["error"], row["occurrence"]) == ("sent", 2, None, "2026-W46")
    first, second = (r.get_data() for r, _ in server.log)
    assert first == second  # the same message, sent again


def test_persistent_failures_back_off_exponentially_across_runs_then_fail(server):
    server.expect_request("/hook").respond_with_data("upstream down", status=503)
    con = hook_con(server, Subscription("weekly", "weekly_review", ("hook",)), max_attempts=4, retry_base_seconds=60,
                   inline_wait_limit=0)
    runner = Runner(con, content=FakeContent(), sleep=lambda s: pytest.fail("no waiting within a run"))
    t0 = at("2026-11-16T09:30+08:00")
    [o] = runner.run_due(t0)
    assert (o.status, o.attempts) == ("retrying", 1)
    entry = store.log_entry(con, "weekly", "2026-W46", "hook")
    assert entry.next_attempt_at == t0 + timedelta(seconds=60) and entry.error == "HTTP 503: upstream down"
    assert runner.run_due(t0 + timedelta(seconds=59)) == []  # not yet
    t = t0
    for attempt, wait in ((2, 60), (3, 120), (4, 240)):
        t = t + timedelta(seconds=wait)
        [o] = runner.run_due(t)
        assert o.attempts == attempt
        entry = store.log_entry(con, "weekly", "2026-W46", "hook")
        if attempt < 4:
            assert (o.status, entry.next_attempt_at) == ("retrying", t + timedelta(seconds=2 * wait))
    assert (o.status, entry.status, entry.attempts, entry.next_attempt_at) == ("failed", "failed", 4, None)
    assert runner.run_due(t + timedelta(days=1)) == []  # same occurrence: never again
    assert len(server.log) == 4
    assert "hook-token-1" not in entry.error and "hook-secret-2" not in entry.error
    # The next week is a new occurrence and is tried afresh.
    [o] = runner.run_due(at("2026-11-23T09:30+08:00"))
    assert (o.occurrence, o.status, o.attempts) == ("2026-W47", "retrying", 1)


def test_a_crash_mid_send_is_never_resent_automatically(server):
    server.expect_request("/hook").respond_with_data("", status=204)
    con = hook_con(server, Subscription("weekly", "weekly_review", ("hook",)))

    def send_then_die(dest, msg, **kw):
        from ecomops.ops.delivery import senders
        senders.send(dest, msg, **kw)  # the message went out ...
        raise SystemExit("killed")  # ... and the process died before recording it

    now = at("2026-11-16T09:30+08:00")
    with pytest.raises(SystemExit):
        Runner(con, content=FakeContent(), send=send_then_die).run_due(now)
    assert store.log_entry(con, "weekly", "2026-W46", "hook").status == "sending"
    assert Runner(con, content=FakeContent()).run_due(now + timedelta(minutes=5)) == []
    entry = store.log_entry(con, "weekly", "2026-W46", "hook")
    assert entry.status == "interrupted" and "may or may not have arrived" in entry.error
    assert len(server.log) == 1  # not sent twice
    store.retry(con, entry.log_id)  # an operator who checked the group asks for it again
    [o] = Runner(con, content=FakeContent()).run_due(now + timedelta(minutes=10))
    assert (o.status, len(server.log)) == ("sent", 2)


def test_a_crash_before_sending_sends_on_the_next_run(server):
    server.expect_request("/hook").respond_with_data("", status=204)
    con = hook_con(server, Subscription("weekly", "weekly_review", ("hook",)))
    content = FakeContent()
    content.fail_next = KeyboardInterrupt()  # e.g. stopped while the review was being built
    now = at("2026-11-16T09:30+08:00")
    with pytest.raises(KeyboardInterrupt):
        Runner(con, content=content).run_due(now)
    assert store.log_entry(con, "weekly", "2026-W46", "hook").status == "pending" and server.log == []
    [o] = Runner(con, content=content).run_due(now + timedelta(minutes=1))
    assert (o.status, o.occurrence, len(server.log)) == ("sent", "2026-W46", 1)


# ------------------------------------------------------------------------------------------------------------------
# The scheduler


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


def test_scheduler_sleeps_until_each_due_time(server):
    server.expect_request("/hook").respond_with_data("", status=204)
    con = hook_con(server, Subscription("weekly", "weekly_review", ("hook",), "09:00"),
                   Subscription("daily", "alerts", ("hook",), "18:00"))
    clock = FakeClock(at("2026-11-15T20:00+08:00"))  # a Sunday evening
    content = FakeContent()
    scheduler = Scheduler(lambda: con, clock=clock, sleep=clock.sleep, max_sleep=7 * 86400, out=io.StringIO(),
                          content=content)
    runs = scheduler.run(until=at("2026-11-17T20:00+08:00"))
    sending = [(when.astimezone(SHANGHAI).strftime("%a %H:%M"), sorted(f"{o.subscription} {o.occurrence}" for o in outs))
               for when, outs in scheduler.runs if outs]
    assert sending == [
        ("Sun 20:00", ["daily 2026-11-15", "weekly 2026-W45"]),  # first start: the latest occurrences, once
        ("Mon 09:00", ["weekly 2026-W46"]),
        ("Mon 18:00", ["daily 2026-11-16"]),
        ("Tue 18:00", ["daily 2026-11-17"]),
    ]
    assert runs == 4 and clock.sleeps == [13 * 3600, 9 * 3600, 24 * 3600, 2 * 3600]
    assert len(server.log) == 5


def test_scheduler_stops_at_once_and_waits_for_a_locked_database():
    def locked():
        raise db.DatabaseLockedError("The database is open in streamlit (PID 1).")

    out = io.StringIO()
    scheduler = Scheduler(locked, out=out)
    thread = threading.Thread(target=scheduler.run)
    thread.start()
    time.sleep(0.3)
    started = time.perf_counter()
    scheduler.stop()
    thread.join(5)
    assert not thread.is_alive() and time.perf_counter() - started < 2
    assert "open in streamlit" in out.getvalue() and "again in 60 s" in out.getvalue()


def test_stop_ends_a_backoff_wait_and_leaves_the_message_for_the_next_run(server):
    server.expect_request("/hook").respond_with_data("busy", status=500)
    con = hook_con(server, Subscription("weekly", "weekly_review", ("hook",)), retry_base_seconds=30,
                   inline_wait_limit=120)
    scheduler = Scheduler(lambda: con, clock=lambda: at("2026-11-16T09:30+08:00"), out=io.StringIO(),
                          content=FakeContent())
    thread = threading.Thread(target=scheduler.run)
    thread.start()
    deadline = time.time() + 10
    while not server.log and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # now waiting 30 s before the second attempt
    started = time.perf_counter()
    scheduler.stop()
    thread.join(5)
    assert not thread.is_alive() and time.perf_counter() - started < 2
    entry = store.log_entry(con, "weekly", "2026-W46", "hook")
    assert (entry.status, entry.attempts, len(server.log)) == ("retrying", 1, 1)


# ------------------------------------------------------------------------------------------------------------------
# The command line


def test_cli_test_message_list_dry_run_and_bad_input(server, tmp_path, capsys):
    server.expect_request("/hook").respond_with_data("", status=204)
    path = tmp_path / "cli.duckdb"
    config = tmp_path / "d.toml"
    config.write_text(f"""
[destinations.hook]
kind = "webhook"
url = "{server.url_for('/hook?token=cli-token-9')}"
secret = "cli-secret-10"
headers = {{ Authorization = "Bearer cli-bearer-11" }}

[destinations.down]
kind = "slack"
url = "{server.url_for('/missing')}"

[subscriptions.weekly]
kind = "weekly_review"
destinations = ["hook"]
language = "en"
""", encoding="utf-8")
    try:
        assert main(["deliver", "--db", str(path), "--config", str(config), "--test", "hook", "--lang", "en"]) == 0
        body = json.loads(server.log[0][0].get_data())
        assert (body["kind"], body["title"]) == ("test", "ecomops test message")
        assert server.log[0][0].headers["Authorization"] == "Bearer cli-bearer-11"
        assert main(["deliver", "--db", str(path), "--test", "down"]) == 1  # 500 from the server: exit 1
        assert main(["deliver", "--db", str(path), "--test", "nowhere"]) == 2
        capsys.readouterr()

        assert main(["deliver", "--db", str(path), "--list", "--json"]) == 0
        listed = capsys.readouterr().out
        assert main(["deliver", "--db", str(path), "--list"]) == 0
        listed += capsys.readouterr().out
        for secret in ("cli-token-9", "cli-secret-10", "cli-bearer-11"):
            assert secret not in listed
        assert "(test)" in listed and "http://127.0.0.1" in listed

        # A dry run on an empty store: the weekly review is skipped (no data), nothing is sent or recorded.
        con = db.connect(path)
        rows_before = len(log_rows(con))
        assert main(["deliver", "--db", str(path), "--due", "--now", "2026-11-16T09:30", "--dry-run"]) == 0
        assert "skipped" in capsys.readouterr().out and len(log_rows(con)) == rows_before and len(server.log) == 2

        for bad in (["--due", "--now", "next monday"], ["--now", "2026-11-16T09:30"], ["--retry", "999"], []):
            assert main(["deliver", "--db", str(path), *bad]) == 2
        broken = tmp_path / "broken.toml"
        broken.write_text("[subscriptions.x]\nkind = 'weekly_review'\ndestinations = ['nope']\n", encoding="utf-8")
        assert main(["deliver", "--db", str(path), "--config", str(broken)]) == 2
        assert "unknown destination(s) nope" in capsys.readouterr().err
        assert set(store.subscriptions(con)) == {"weekly"}
    finally:
        db.close(path)


# ------------------------------------------------------------------------------------------------------------------
# Real content: no personal data; the real PDF


def _plant_personal_data(con) -> dict[str, str]:
    """Add a customer whose id is an email address, one whose id is a phone number, and their open negative
    reviews with contact details in the text; return the strings that must never appear in a message."""
    planted = {"email_id": "li.lei@example.cn", "phone_id": "13812345678", "order": "O-PII-1",
               "text": "Call me on 13987654321 or han.meimei@example.com", "city": "Planted-City"}
    with db.transaction(con) as cur:
        cur.execute("INSERT INTO customers (customer_id, signup_date, channel, city) VALUES "
                    "($a, DATE '2026-01-01', 'search', $city), ($b, DATE '2026-01-01', 'search', $city)",
                    {"a": planted["email_id"], "b": planted["phone_id"], "city": planted["city"]})
        cur.execute("INSERT INTO orders (order_id, customer_id, order_ts, order_date, status, channel, device) "
                    "VALUES ($o, $a, TIMESTAMP '2026-11-12 10:00', DATE '2026-11-12', 'completed', 'search', 'app')",
                    {"o": planted["order"], "a": planted["email_id"]})
        cur.execute("INSERT INTO order_items VALUES ($o, 1, 'P0061', 1, 199.0, NULL)", {"o": planted["order"]})
        cur.execute("INSERT INTO reviews (review_id, product_id, customer_id, order_id, rating, review_text, "
                    "created_ts, language) VALUES ('R-PII-1', 'P0061', $a, $o, 1, $t, TIMESTAMP '2026-11-13 08:00', "
                    "'en'), ('R-PII-2', 'P0061', $b, NULL, 2, $t, TIMESTAMP '2026-11-13 09:00', 'en')",
                    {"a": planted["email_id"], "b": planted["phone_id"], "o": planted["order"], "t": planted["text"]})
    return planted


def test_no_customer_personal_data_in_any_message(demo_copy):
    con = db.connect(demo_copy)
    planted = _plant_personal_data(con)
    forbidden = set(planted.values()) | {"13987654321", "han.meimei@example.com", "R-PII-1"}
    forbidden |= {r[0] for r in con.execute("SELECT customer_id FROM customers").fetchall()}
    forbidden |= {r[0] for r in con.execute("SELECT order_id FROM orders WHERE order_date >= DATE '2026-10-01'"
                                            ).fetchall()}
    forbidden |= {r[0] for r in con.execute("SELECT review_text FROM reviews WHERE review_text IS NOT NULL "
                                            "AND created_ts >= TIMESTAMP '2026-11-01'").fetchall()}
    content = DomainContent(classifier=lambda texts, languages: [False] * len(texts))
    now = at("2026-11-16T09:30+08:00")
    bodies: list[str] = []
    kinds_with_a_message = set()
    for kind in ("weekly_review", "monthly_review", "alerts", "stockouts", "sla_breaches"):
        for lang in ("zh", "en"):
            sub = Subscription(f"s-{kind}", kind, ("d",), language=lang)
            occ = schedule.latest_occurrence(sub, now)
            covers = content.coverage(con, sub, occ, None)
            if kind == "alerts":  # widen to the year so there is something to say (the demo's November is calm)
                covers = (date(2026, 1, 1), date(2026, 11, 15))
            try:
                msg = content.build(con, sub, occ, covers, "https://ecomops.example.com")
            except Exception as exc:  # noqa: BLE001 - NothingToSend
                pytest.fail(f"{kind} {lang}: no message ({exc})")
            kinds_with_a_message.add(kind)
            mail = formats.email_message(msg, "r@example.com", ["boss@example.com"], with_pdf=False)
            bodies += [json.dumps(p, ensure_ascii=False) for p in (
                formats.wecom_payload(msg), formats.dingtalk_payload(msg), formats.feishu_payload(msg),
                formats.slack_payload(msg), formats.webhook_payload(msg))]
            bodies += [mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content(), mail["Subject"]]
    assert kinds_with_a_message == {"weekly_review", "monthly_review", "alerts", "stockouts", "sla_breaches"}
    everything = "\n".join(bodies)
    assert "四件套 全棉床品 2.0m" in everything  # the planted reviews' product is named (products are not people)
    leaks = sorted(s for s in forbidden if s and s in everything)
    assert leaks == []


def test_the_real_weekly_review_pdf_arrives_by_email(demo_copy, tmp_path):
    con = db.connect(demo_copy)
    with smtp_server(tmp_path, "starttls", "reports@example.com", "pw-12") as smtp:
        store.save_destination(con, Destination("mail", "email", {
            "host": "127.0.0.1", "port": smtp.port, "security": "starttls", "username": "reports@example.com",
            "to": ["boss@example.com"], "ca_file": smtp.ca_file, "timeout": 30}, {"password": "pw-12"}))
        store.save_subscription(con, Subscription("weekly", "weekly_review", ("mail",), language="en"))
        [outcome] = Runner(con).run_due(at("2026-11-16T09:30+08:00"))
        assert outcome.status == "sent", outcome.error
        [got] = smtp.received
    mail = got.message
    assert mail["Subject"] == "Weekly review 2026-W46 (11-09 – 11-15)"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "ecomops_weekly_review_2026-W46.pdf"
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2 and "Weekly review" in text and "2026-11-09" in text and "2026-W46" in text


def test_scheduler_command_stops_on_sigterm(tmp_path):
    import signal

    path = tmp_path / "sched.duckdb"
    db.connect(path)
    db.close(path)
    process = subprocess.Popen([sys.executable, "-m", "ecomops", "scheduler", "--db", str(path)], cwd=PROJECT_ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        line = ""
        while "running" not in line and time.time() < deadline:
            line = process.stderr.readline()
        assert "Scheduler running" in line
        time.sleep(0.5)  # let it finish its first run and go to sleep
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "Scheduler stopped after 1 run(s)" in err
    db.connect(path)  # the scheduler let go of the file between runs and at exit
    db.close(path)
