"""Collecting submissions: nbgrader's exchange (a real release, fetch and
submit as students, then collect), LMS zip files, resubmissions, receipt
times no student can backdate, and the late policy applied when grading.
"""

import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
import zipfile

import pytest
from conftest import ROOT
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeSubmit
from traitlets.config import Config

from autograder.assignment import load_assignment
from autograder.checks import GradingError
from autograder.collect import DEFAULT_FORM, collect_exchange, collect_zips, match_entry
from autograder.course import Course
from autograder.intake import inspect, stage
from autograder.late import LatePenalty, late_status, parse_due, parse_penalty
from autograder.receipts import HISTORY, RECEIPT, format_time, trusted_receipt

NAME = "perceptrons_xor"
NOTEBOOK = f"{NAME}.ipynb"
FIXTURES = ROOT / "tests" / "submissions" / NAME
ASSIGNMENT = load_assignment(ROOT / "solutions", NAME)


def fixture(name):
    return (FIXTURES / name / NAME / NOTEBOOK).read_bytes()


@pytest.fixture
def exchange(tmp_path):
    """A course whose assignment is released into a fresh exchange folder."""
    course = Course(ROOT, work=tmp_path / "work")
    course.config.Exchange.root = str(tmp_path / "exchange")
    result = course.api().release_assignment(NAME)
    assert result["success"], result.get("error")
    return course


def as_student(course, student, home, app_class):
    """Run one of nbgrader's student-side exchange steps as ``student``."""
    config = Config()
    config.Exchange.root = course.config.Exchange.root
    config.Exchange.cache = str(home / ".cache")
    config.Exchange.assignment_dir = str(home)
    config.CourseDirectory.course_id = "dlcourse"
    config.CourseDirectory.student_id = student
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = NAME
    app_class(coursedir=coursedir, authenticator=Authenticator(config=config),
              config=config).start()


def submit(course, tmp_path, student, notebook):
    """Fetch the assignment (once), put ``notebook`` in it, submit."""
    home = tmp_path / "home" / student
    if not (home / NAME).is_dir():
        home.mkdir(parents=True)
        as_student(course, student, home, ExchangeFetchAssignment)
        # What the student fetched is the released notebook.
        released = (ROOT / "exercises" / NAME / NOTEBOOK).read_bytes()
        assert (home / NAME / NOTEBOOK).read_bytes() == released
    (home / NAME / NOTEBOOK).write_bytes(notebook)
    as_student(course, student, home, ExchangeSubmit)


def collect(course, to):
    return collect_exchange(NAME, to, course.config, check_owner=False)


def history(to, student):
    return sorted((to / HISTORY / student / NAME).iterdir())


def received(folder):
    return dt.datetime.fromisoformat(json.loads((folder / RECEIPT).read_text())["received"])


def test_exchange_round_trip_keeps_every_submission_and_grades_the_newest(exchange, tmp_path):
    to = tmp_path / "collected"
    before = dt.datetime.now(dt.timezone.utc)
    submit(exchange, tmp_path, "minji", fixture("solution"))
    submit(exchange, tmp_path, "joon", fixture("blank"))
    events = collect(exchange, to)
    assert sorted((e.student, e.action) for e in events) == [("joon", "new"), ("minji", "new")]
    assert (to / "minji" / NAME / NOTEBOOK).read_bytes() == fixture("solution")
    assert (to / "joon" / NAME / NOTEBOOK).read_bytes() == fixture("blank")
    first = received(history(to, "minji")[0])
    assert before - dt.timedelta(seconds=1) <= first <= dt.datetime.now(dt.timezone.utc)

    time.sleep(0.05)
    submit(exchange, tmp_path, "minji", fixture("wrong_step_at_zero"))
    events = collect(exchange, to)
    assert sorted(e.action for e in events if e.student == "minji") == ["already collected", "new"]
    assert [e.action for e in events if e.student == "joon"] == ["already collected"]
    # The second submission is the one to grade; both are kept.
    kept = history(to, "minji")
    assert [(k / NOTEBOOK).read_bytes() for k in kept] == [fixture("solution"),
                                                           fixture("wrong_step_at_zero")]
    assert (to / "minji" / NAME / NOTEBOOK).read_bytes() == fixture("wrong_step_at_zero")
    assert (to / "minji" / NAME / "timestamp.txt").read_text() == format_time(received(kept[1]))
    assert received(kept[1]) > received(kept[0])

    # Collecting again changes nothing.
    def snapshot():
        return {p: p.read_bytes() for p in to.rglob("*") if p.is_file()}

    before_rerun = snapshot()
    assert all(e.action == "already collected" for e in collect(exchange, to))
    assert snapshot() == before_rerun

    # grade reads the collected folder: the staged copy carries the receipt time.
    submission = inspect(to / "minji", ASSIGNMENT)
    assert stage(submission, tmp_path / "staging", ASSIGNMENT) == format_time(received(kept[1]))
    assert (tmp_path / "staging" / "minji" / NAME / "timestamp.txt").read_text() == \
        format_time(received(kept[1]))


def forge(course, student, notebook, claimed="2020-01-01 00:00:00.000000 UTC"):
    """A submission made by hand in the exchange, claiming an old time in
    its name, its timestamp.txt and its files' modification times."""
    inbound = os.path.join(course.config.Exchange.root, "dlcourse", "inbound")
    folder = os.path.join(inbound, f"{student}+{NAME}+{claimed}+forged")
    os.makedirs(folder)
    with open(os.path.join(folder, NOTEBOOK), "wb") as fh:
        fh.write(notebook)
    with open(os.path.join(folder, "timestamp.txt"), "w") as fh:
        fh.write(claimed)
    old = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    for path in (os.path.join(folder, NOTEBOOK), os.path.join(folder, "timestamp.txt"), folder):
        os.utime(path, (old, old))  # `touch -d 2020-01-01`
    return claimed


def test_a_forged_old_timestamp_does_not_make_a_submission_early(exchange, tmp_path):
    to = tmp_path / "collected"
    due = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.05)
    claimed = forge(exchange, "late", fixture("solution"))
    assert os.stat(os.path.join(exchange.config.Exchange.root, "dlcourse", "inbound")).st_mtime > 0
    (event,) = collect(exchange, to)
    assert event.action == "new" and event.received > due
    stamp = (to / "late" / NAME / "timestamp.txt").read_text()
    assert stamp == format_time(event.received) and stamp != claimed
    record = json.loads((history(to, "late")[0] / RECEIPT).read_text())
    assert record["student_timestamp"] == claimed  # kept, but not used

    # Editing the notebook in the exchange afterwards is a new, later submission.
    folder = next((tmp_path / "exchange" / "dlcourse" / "inbound").iterdir())
    time.sleep(0.05)
    (folder / NOTEBOOK).write_bytes(fixture("blank"))
    os.utime(folder / NOTEBOOK, (0, 0))
    events = collect(exchange, to)
    assert [e.action for e in events] == ["new"] and events[0].received > event.received
    assert (to / "late" / NAME / NOTEBOOK).read_bytes() == fixture("blank")
    assert len(history(to, "late")) == 2


def test_exchange_owner_check_refuses_a_folder_naming_another_student(exchange, tmp_path):
    forge(exchange, "root", fixture("solution"))  # the tests run as root: its own folder
    forge(exchange, "minji", fixture("solution"))  # root's folder claiming to be minji's
    events = collect_exchange(NAME, tmp_path / "to", exchange.config)
    actions = {e.student: e.action for e in events}
    assert actions["root"] == "new"
    assert actions["minji"] == "skipped: the folder belongs to root, not minji"
    assert not (tmp_path / "to" / "minji").exists()


def test_links_and_bad_names_in_the_exchange_are_not_followed(exchange, tmp_path):
    inbound = tmp_path / "exchange" / "dlcourse" / "inbound"
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's secret")
    folder = inbound / f"minji+{NAME}+2026-01-01 00:00:00 UTC+x"
    folder.mkdir()
    (folder / NOTEBOOK).write_bytes(fixture("solution"))
    (folder / "notes.txt").symlink_to(secret)
    os.mkfifo(folder / "pipe")  # opening it for reading would wait for a writer
    (inbound / f"no way!+{NAME}+2026-01-01 00:00:00 UTC+x").mkdir()
    (inbound / f"lee+{NAME}+2026-01-01 00:00:00 UTC+x").symlink_to(tmp_path)
    (inbound / f"joon+{NAME}+garbage+x").mkdir()
    events = {e.student: e.action for e in collect(exchange, tmp_path / "to")}
    assert events["minji"] == "new"
    assert events["no way!"] == "skipped: invalid student id"
    assert events["lee"] == "skipped: a symbolic link (links are never followed)"
    assert events["?"] == "skipped: unreadable name"
    assert sorted(p.name for p in (tmp_path / "to" / "minji" / NAME).iterdir()) == \
        [NOTEBOOK, "timestamp.txt"]
    assert not (tmp_path / NAME).exists()


def test_plain_folder_timestamps_are_not_trusted(exchange, tmp_path):
    to = tmp_path / "collected"
    submit(exchange, tmp_path, "minji", fixture("solution"))
    collect(exchange, to)
    folder = to / "minji" / NAME
    assert trusted_receipt(folder, {NOTEBOOK: folder / NOTEBOOK})
    # A notebook changed by hand after collect: its receipt no longer applies.
    (folder / NOTEBOOK).write_bytes(fixture("blank"))
    assert trusted_receipt(folder, {NOTEBOOK: folder / NOTEBOOK}) is None
    # A plain folder with a timestamp.txt a student wrote.
    plain = tmp_path / "plain" / "joon" / NAME
    plain.mkdir(parents=True)
    (plain / NOTEBOOK).write_bytes(fixture("solution"))
    (plain / "timestamp.txt").write_text("2020-01-01 00:00:00.000000 UTC")
    submission = inspect(tmp_path / "plain" / "joon", ASSIGNMENT)
    assert stage(submission, tmp_path / "staging", ASSIGNMENT) is None
    assert not (tmp_path / "staging" / "joon" / NAME / "timestamp.txt").exists()

    # Collecting again puts the newest submission back, and keeps the hand-made
    # change in the history.
    collect(exchange, to)
    assert (folder / NOTEBOOK).read_bytes() == fixture("solution")
    kept = [json.loads((p / RECEIPT).read_text()) for p in history(to, "minji")]
    assert [r.get("unrecorded", False) for r in kept] == [False, True]
    assert (history(to, "minji")[1] / NOTEBOOK).read_bytes() == fixture("blank")


def lms_zip(path, entries):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, when in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


def test_zip_from_an_lms_keeps_every_attempt_with_the_lms_time(tmp_path):
    config = Course(ROOT, work=tmp_path / "work").config
    stamp = (2026, 12, 2, 12, 0, 0)  # when the LMS built the zip: not used when names have times
    archive = lms_zip(tmp_path / "download.zip", [
        (f"{NAME}_minji_attempt_2026-11-30-23-50-00_{NOTEBOOK}", fixture("blank"), stamp),
        (f"{NAME}_minji_attempt_2026-12-01-09-00-00_{NOTEBOOK}", fixture("solution"), stamp),
        # In a folder of the zip.
        (f"sub/{NAME}_joon_attempt_2026-11-30-10-00-00_{NOTEBOOK}", fixture("solution"), stamp),
        # The student chose the file name after the LMS's part: one that
        # names another time (or student) is refused, never read as the LMS's.
        (f"{NAME}_joon_attempt_2026-11-30-11-00-00_x_attempt_2020-01-01-00-00-00_"
         f"{NOTEBOOK}", fixture("blank"), stamp),
        ("readme.txt", b"not a notebook", stamp),
        ("../escape.ipynb", fixture("solution"), stamp),
    ])
    events = collect_zips(NAME, [archive], tmp_path / "to", config, timezone="Asia/Seoul")
    to = tmp_path / "to"
    assert sorted((e.student, e.action) for e in events) == [
        ("?", f"skipped: name does not match the pattern ({DEFAULT_FORM})"),
        ("?", "skipped: the name matches the pattern twice (a second timestamp in it)"),
        ("joon", "new"), ("minji", "new"), ("minji", "new")]
    # 09:00 in Seoul is midnight UTC.
    assert (to / "minji" / NAME / "timestamp.txt").read_text() == "2026-12-01 00:00:00.000000 UTC"
    assert (to / "minji" / NAME / NOTEBOOK).read_bytes() == fixture("solution")
    assert [(p / NOTEBOOK).read_bytes() for p in history(to, "minji")] == [fixture("blank"),
                                                                           fixture("solution")]
    assert (to / "joon" / NAME / "timestamp.txt").read_text() == "2026-11-30 01:00:00.000000 UTC"
    assert [p.name for p in (to / "joon" / NAME).iterdir() if p.suffix == ".ipynb"] == [NOTEBOOK]
    assert (to / "joon" / NAME / NOTEBOOK).read_bytes() == fixture("solution")
    assert not (tmp_path / "escape.ipynb").exists()
    # The same download again adds nothing.
    assert {e.action for e in collect_zips(NAME, [archive], to, config, timezone="Asia/Seoul")} \
        == {"already collected", f"skipped: name does not match the pattern ({DEFAULT_FORM})",
            "skipped: the name matches the pattern twice (a second timestamp in it)"}


def test_zip_names_give_whole_student_ids_in_any_script(tmp_path):
    # "jöns" was collected as a student "ns" (the pattern let the id start
    # inside a name), into the same folder as the real ns: the newer of the
    # two notebooks was graded for both.  An id is the whole name between
    # "_" and "_attempt_"; one written decomposed (as macOS writes names)
    # is skipped, never turned into a second spelling of a student.
    config = Course(ROOT, work=tmp_path / "work").config
    stamp = (2026, 12, 2, 12, 0, 0)
    decomposed = unicodedata.normalize("NFD", "jöns")
    archive = lms_zip(tmp_path / "download.zip", [
        (f"{NAME}_ns_attempt_2026-11-30-10-00-00_{NOTEBOOK}", fixture("solution"), stamp),
        (f"{NAME}_jöns_attempt_2026-11-30-11-00-00_{NOTEBOOK}", fixture("blank"), stamp),
        (f"{NAME}_김민수_attempt_2026-11-30-12-00-00_{NOTEBOOK}", fixture("solution"), stamp),
        (f"{NAME}_{decomposed}_attempt_2026-11-30-13-00-00_{NOTEBOOK}", fixture("blank"), stamp),
    ])
    events = collect_zips(NAME, [archive], tmp_path / "to", config)
    assert sorted((e.student, e.action) for e in events) == [
        ("?", f"skipped: name does not match the pattern ({DEFAULT_FORM})"),
        ("jöns", "new"), ("ns", "new"), ("김민수", "new")]
    to = tmp_path / "to"
    assert (to / "ns" / NAME / NOTEBOOK).read_bytes() == fixture("solution")
    assert (to / "jöns" / NAME / NOTEBOOK).read_bytes() == fixture("blank")
    assert (to / "김민수" / NAME / NOTEBOOK).read_bytes() == fixture("solution")


class LegacyName(zipfile.ZipInfo):
    """A zip entry whose name is in Korean Windows' encoding, not marked
    UTF-8 (what many zip tools write)."""

    def __init__(self, name: str, date_time):
        super().__init__(name.encode("cp949").decode("cp437"), date_time)
        self.raw = name.encode("cp949")

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's name
        return self.raw, self.flag_bits & ~0x800


def test_zip_names_in_korean_windows_encoding_and_names_chosen_to_pass_for_another(tmp_path):
    # An LMS part the pattern could not read (a Korean name in cp949 comes
    # out of Python's zipfile as "▒Φ╣╬┴÷") let the student's own file name
    # "..._soyeon_attempt_<earlier>_tensors.ipynb" name the student and the
    # time: a late blank notebook replaced soyeon's.
    config = Course(ROOT, work=tmp_path / "work").config
    stamp = (2026, 12, 2, 12, 0, 0)
    forged = f"{NAME}_김민지_attempt_2026-12-02-09-00-00_soyeon_attempt_2026-11-30-23-59-00_{NOTEBOOK}"
    archive = tmp_path / "windows.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(LegacyName(f"{NAME}_soyeon_attempt_2026-11-30-20-00-00_{NOTEBOOK}", stamp),
                    fixture("solution"))
        zf.writestr(LegacyName(forged, stamp), fixture("blank"))
        zf.writestr(LegacyName(f"{NAME}_박서연_attempt_2026-11-30-21-00-00_{NOTEBOOK}", stamp),
                    fixture("solution"))
        zf.writestr(LegacyName(f"{NAME}_o'brien_attempt_2026-12-02-09-00-00_soyeon_attempt_"
                               f"2026-11-30-23-59-00_{NOTEBOOK}", stamp), fixture("blank"))
        # Names that are letters but look like others, or like nothing, or
        # are too long to name a folder: skipped, never a second student.
        for name in ("ｓｏｙｅｏｎ", "soyeon\u3164", "가" * 70):
            zf.writestr(zipfile.ZipInfo(f"{NAME}_{name}_attempt_2026-11-30-20-00-00_{NOTEBOOK}",
                                        stamp), fixture("blank"))
    events = collect_zips(NAME, [archive], tmp_path / "to", config)
    actions = sorted((e.student, e.action.split(" (")[0].split(" '")[0]) for e in events)
    assert actions == [("?", "skipped: invalid student id")] * 3 + [
        ("?", "skipped: name does not match the pattern"),
        ("?", "skipped: the name matches the pattern twice"),
        ("soyeon", "new"), ("박서연", "new")], actions
    to = tmp_path / "to"
    assert (to / "soyeon" / NAME / NOTEBOOK).read_bytes() == fixture("solution")
    assert (to / "soyeon" / NAME / "timestamp.txt").read_text().startswith("2026-11-30 20:00:00")


def test_zip_names_without_a_time_use_the_zip_entry_time(tmp_path):
    config = Course(ROOT, work=tmp_path / "work").config
    archive = lms_zip(tmp_path / "canvas.zip", [
        (f"minji_1234_{NOTEBOOK}", fixture("solution"), (2026, 11, 30, 22, 15, 0))])
    collect_zips(NAME, [archive], tmp_path / "to", config,
                 pattern=r"(?P<student_id>[a-z]+)_\d+_(?P<file_id>.+\.ipynb)$")
    assert (tmp_path / "to" / "minji" / NAME / "timestamp.txt").read_text() == \
        "2026-11-30 22:15:00.000000 UTC"
    with pytest.raises(GradingError, match="named groups"):
        collect_zips(NAME, [archive], tmp_path / "to", config, pattern=r"(?P<who>.+)")


def test_an_lms_submission_of_several_files_stays_one_submission(tmp_path):
    """A Moodle download: one folder per student's last submission, each file
    with its own upload time.  The files of one submission are collected
    together (received with the last of them); a student's archive or script
    is named as skipped, with the student; a name written decomposed (macOS)
    is the composed student id; a pattern written with [^_] reads one id."""
    config = Course(ROOT, work=tmp_path / "work").config
    folder = "{}_{}_assignsubmission_file_/{}"
    decomposed = unicodedata.normalize("NFD", "박서준")
    archive = lms_zip(tmp_path / "moodle.zip", [
        (folder.format("Ahmed Hassan", 2001, f"{NAME}_final.ipynb"), fixture("solution"),
         (2026, 11, 30, 18, 0, 0)),
        (folder.format("Ahmed Hassan", 2001, NOTEBOOK), fixture("blank"), (2026, 11, 30, 18, 0, 2)),
        (folder.format("Sofia Rossi", 2007, f"{NAME}.zip"), b"PK...", (2026, 11, 30, 18, 0, 0)),
        (folder.format("Tom Baker", 2008, f"{NAME}.py"), b"print(1)", (2026, 11, 30, 18, 0, 0)),
        (folder.format("Mac", decomposed, NOTEBOOK), fixture("solution"), (2026, 11, 30, 18, 0, 0)),
    ])
    to = tmp_path / "to"
    events = collect_zips(NAME, [archive], to, config, pattern=(
        r"[^_/]+_(?P<student_id>[^_/]+)_assignsubmission_file_/(?P<file_id>[^/]+\.ipynb)$"))
    assert sorted((e.student, e.action.split(":")[0]) for e in events) == [
        ("2001", "new"), ("2007", "skipped"), ("2008", "skipped"), ("박서준", "new")]
    assert "not a notebook (.zip)" in next(e.action for e in events if e.student == "2007")
    assert sorted(p.name for p in (to / "2001" / NAME).glob("*.ipynb")) == [
        NOTEBOOK, f"{NAME}_final.ipynb"]
    assert (to / "2001" / NAME / "timestamp.txt").read_text() == "2026-11-30 18:00:02.000000 UTC"
    assert (to / "박서준" / NAME / NOTEBOOK).read_bytes() == fixture("solution")
    assert match_entry(re.compile(r"(?P<student_id>[^_]+)_\d+_(?P<file_id>.+\.ipynb)$"),
                       "kim_12345_tensors.ipynb") == (
        {"student_id": "kim", "file_id": "tensors.ipynb"}, None)
    # Such a pattern still refuses a name with a second id: kim's upload named
    # lee_999_x.ipynb, which a greedy pattern would read as lee's.
    greedy = re.compile(r".*_(?P<student_id>[^_]+)_\d+_(?P<file_id>.+\.ipynb)$")
    assert match_entry(greedy, "a_kim_12345_x.ipynb")[0] == {"student_id": "kim", "file_id": "x.ipynb"}
    assert match_entry(greedy, "a_kim_12345_lee_999_x.ipynb") == (
        None, "the name matches the pattern twice (a second student id in it)")


def test_a_korean_file_name_stays_readable_and_every_name_stays_safe():
    """Korean file names came out as ____1______.ipynb in every status and
    page; letters of any script are kept, composed, and nothing else that
    could escape or hide."""
    from autograder.collect import _safe_file_name

    decomposed = unicodedata.normalize("NFD", "과제1_텐서.ipynb")
    assert _safe_file_name(decomposed) == "과제1_텐서.ipynb"
    assert _safe_file_name("../../x.ipynb") == "x.ipynb"
    assert _safe_file_name("a\x1b[31mb.ipynb") == "a__31mb.ipynb"
    assert _safe_file_name("\u202eevil.ipynb") == "_evil.ipynb"
    assert _safe_file_name(".hidden.ipynb") == "hidden.ipynb"
    assert len(_safe_file_name("가" * 300 + ".ipynb").encode()) < 255


def test_collect_refuses_the_graders_own_folder(exchange):
    with pytest.raises(GradingError, match="working folder"):
        collect(exchange, exchange.submitted)


# -- the late policy ------------------------------------------------------------------


def test_per_day_penalty_counts_started_days_up_to_the_maximum():
    plugin = LatePenalty(penalty_method="per_day", percent_per_day=10, max_percent=25)
    assert plugin.late_submission_penalty("s", 15.0, 60) == pytest.approx(1.5)
    assert plugin.late_submission_penalty("s", 15.0, 86400 + 1) == pytest.approx(3.0)
    assert plugin.late_submission_penalty("s", 15.0, 10 * 86400) == pytest.approx(3.75)
    assert LatePenalty(penalty_method="zero").late_submission_penalty("s", 15.0, 60) == 15.0
    assert LatePenalty().late_submission_penalty("s", 15.0, 60) is None
    assert parse_penalty("10%/day", "50%") == {"method": "per_day", "percent_per_day": 10.0,
                                               "max_percent": 50.0}
    for bad in ("10", "10%/week", "-5%/day"):
        with pytest.raises(GradingError):
            parse_penalty(bad)
    with pytest.raises(GradingError, match="time zone"):
        parse_due("2026-12-01T23:59")
    assert late_status(7200, 15.0, 1.5) == "late 2 h: -10% (-1.5 points)"
    assert late_status(90000, 15.0, 0.0) == "late 1 d 1 h: no penalty"
    assert late_status(0, 15.0, 0.0) is None


@pytest.mark.grading
def test_a_late_submission_is_penalized_when_graded(exchange, tmp_path):
    """Two students: minji submits twice on time (her second notebook is
    graded), a forger submits after the due date claiming 2020."""
    to, work = tmp_path / "collected", tmp_path / "work"
    submit(exchange, tmp_path, "minji", fixture("blank"))
    submit(exchange, tmp_path, "minji", fixture("solution"))
    due = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.05)
    forge(exchange, "forger", fixture("solution"))
    collect(exchange, to)
    grades = tmp_path / "grades.csv"
    result = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", NAME, "--submissions", str(to),
         "--work", str(work), "--csv", str(grades), "--due", due.isoformat(),
         "--late-penalty", "10%/day", "--late-max", "50%"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "late penalty: 10% of the score per day" in result.stderr
    with grades.open() as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert (rows["minji"]["score"], rows["minji"]["status"]) == ("15", "ok")
    assert rows["forger"]["score"] == "13.5"
    assert rows["forger"]["status"] == "late 1 min: -10% (-1.5 points)"
    # nbgrader's own export agrees: raw score, penalty, score.
    subprocess.run([sys.executable, "-m", "autograder", "export", "--to",
                    str(tmp_path / "all.csv"), "--work", str(work)], cwd=ROOT, check=True)
    with (tmp_path / "all.csv").open() as fh:
        exported = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert float(exported["forger"]["late_submission_penalty"]) == 1.5
    assert float(exported["forger"]["score"]) == 13.5
    assert float(exported["minji"]["late_submission_penalty"]) == 0.0
    # The forger graded again (`--student`) from a plain folder, which has
    # no receipt: the time of handing in the run recorded is kept, and said.
    plain = tmp_path / "plain" / "forger" / NAME
    plain.mkdir(parents=True)
    (plain / NOTEBOOK).write_bytes(fixture("solution"))
    again = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", NAME, "--submissions", str(plain.parents[1]),
         "--work", str(work), "--csv", str(grades), "--student", "forger"],
        cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "forger: this notebook has no receipt" in again.stderr
    assert "1 min late" in again.stderr, again.stderr
    with grades.open() as fh:
        rows = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert rows["forger"]["status"] == "late 1 min: -10% (-1.5 points)"
    # Graded again from a folder that is refused (no notebook): 0 points,
    # and the time of handing in stays for the next regrade.
    (plain / NOTEBOOK).unlink()
    refused = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", NAME, "--submissions", str(plain.parents[1]),
         "--work", str(work), "--student", "forger"], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 0, refused.stderr
    subprocess.run([sys.executable, "-m", "autograder", "export", "--to",
                    str(tmp_path / "again.csv"), "--work", str(work)], cwd=ROOT, check=True)
    with (tmp_path / "again.csv").open() as fh:
        exported = {row["student_id"]: row for row in csv.DictReader(fh)}
    assert exported["forger"]["timestamp"] and float(exported["forger"]["score"]) == 0


def test_a_submission_without_a_receipt_forgets_an_earlier_runs_time(tmp_path):
    """A folder graded once from collect's output (with a receipt time) and
    later from a plain copy (none): the gradebook must not keep the old time."""
    from nbgrader.api import Gradebook

    from autograder.grade import _stage
    from autograder.utils import quiet_nbgrader

    course = Course(ROOT, work=tmp_path / "work")
    course.open_gradebook()
    with quiet_nbgrader(), Gradebook(course.db_url, "dlcourse") as gb:
        gb.update_or_create_assignment(NAME, duedate=dt.datetime(2026, 1, 1))
        gb.update_or_create_student("minji")
        gb.add_submission(NAME, "minji", timestamp=dt.datetime(2026, 1, 2))
    plain = tmp_path / "plain" / "minji" / NAME
    plain.mkdir(parents=True)
    (plain / NOTEBOOK).write_bytes(fixture("solution"))
    (plain / "timestamp.txt").write_text("2026-01-03 00:00:00.000000 UTC")
    _stage(course, inspect(plain.parent, ASSIGNMENT), ASSIGNMENT)
    with Gradebook(course.db_url, "dlcourse") as gb:
        submission = gb.find_submission(NAME, "minji")
        assert submission.timestamp is None and submission.total_seconds_late == 0
    assert not (course.submitted / "minji" / NAME / "timestamp.txt").exists()
    # Graded again (`grade --student`), the time recorded is kept.
    with Gradebook(course.db_url, "dlcourse") as gb:
        gb.update_or_create_submission(NAME, "minji", timestamp=dt.datetime(2026, 1, 2))
    _stage(course, inspect(plain.parent, ASSIGNMENT), ASSIGNMENT, again=True)
    with Gradebook(course.db_url, "dlcourse") as gb:
        assert gb.find_submission(NAME, "minji").total_seconds_late == 24 * 3600


def test_a_grading_that_fails_keeps_the_time_of_handing_in_for_a_regrade(exchange, tmp_path):
    """A collected notebook whose grading failed (its worker died) was
    recorded without a time: graded again from a plain folder, a late
    student was then on time. The time staging recorded is kept; a
    submission refused before staging has none."""
    from nbgrader.api import Gradebook

    from autograder.grade import _record_not_graded, _stage
    from autograder.utils import quiet_nbgrader

    to = tmp_path / "collected"
    submit(exchange, tmp_path, "minji", fixture("solution"))
    collect(exchange, to)
    exchange.open_gradebook()
    with quiet_nbgrader(), Gradebook(exchange.db_url, "dlcourse") as gb:
        gb.update_or_create_assignment(NAME)  # as `grade` registers it first
    handed_in = received(history(to, "minji")[0]).replace(tzinfo=None)
    _stage(exchange, inspect(to / "minji", ASSIGNMENT), ASSIGNMENT)
    _record_not_graded(exchange, ASSIGNMENT, "minji", keep_time=True)
    with quiet_nbgrader(), Gradebook(exchange.db_url, "dlcourse") as gb:
        assert gb.find_submission(NAME, "minji").timestamp == handed_in
    plain = tmp_path / "plain" / "minji" / NAME
    plain.mkdir(parents=True)
    (plain / NOTEBOOK).write_bytes(fixture("solution"))
    _stage(exchange, inspect(plain.parent, ASSIGNMENT), ASSIGNMENT, again=True)
    with quiet_nbgrader(), Gradebook(exchange.db_url, "dlcourse") as gb:
        assert gb.find_submission(NAME, "minji").timestamp == handed_in
    _record_not_graded(exchange, ASSIGNMENT, "minji")  # refused: no time
    with quiet_nbgrader(), Gradebook(exchange.db_url, "dlcourse") as gb:
        assert gb.find_submission(NAME, "minji").timestamp is None


def test_the_late_policy_is_kept_for_later_runs_of_the_same_work_folder(tmp_path, caplog):
    from autograder.late import configure, set_policy

    course = Course(ROOT, work=tmp_path / "work")
    set_policy(course, NAME, due="2026-12-01T23:59+09:00", penalty="10%/day", penalty_max="30%")
    set_policy(course, NAME, penalty="5%/day")  # the maximum stays
    later = Course(ROOT, work=tmp_path / "work")
    with caplog.at_level("INFO", logger="autograder"):
        policy = configure(later, NAME)
    said = [record.getMessage() for record in caplog.records if record.name == "autograder.late"]
    assert policy == {"method": "per_day", "percent_per_day": 5.0, "max_percent": 30.0,
                      "due": dt.datetime(2026, 12, 1, 14, 59, tzinfo=dt.timezone.utc)}
    assert said == [f"  {NAME} is due 2026-12-01 14:59 UTC; late penalty: 5% of the score "
                    "per day or part of a day late, at most 30%"]
    assert later.config.LatePenalty.percent_per_day == 5.0
    set_policy(course, NAME, due="none", penalty="none")
    assert configure(Course(ROOT, work=tmp_path / "work"), NAME) == \
        {"method": "none", "due": None}
    # Another class (work folder) has its own policy.
    assert configure(Course(ROOT, work=tmp_path / "other"), NAME)["method"] == "none"


def test_a_second_collect_into_the_same_folder_is_refused_while_one_runs(tmp_path):
    from autograder.collect import _lock

    config = Course(ROOT, work=tmp_path / "work").config
    archive = lms_zip(tmp_path / "download.zip", [
        (f"{NAME}_minji_attempt_2026-11-30-23-50-00_{NOTEBOOK}", fixture("blank"),
         (2026, 12, 2, 12, 0, 0))])
    to = tmp_path / "collected"
    with _lock(to):  # the first collect, still at work
        with pytest.raises(GradingError, match="another collect is writing into this folder"):
            collect_zips(NAME, [archive], to, config)
    assert not (to / "minji").exists()
    events = collect_zips(NAME, [archive], to, config)  # once it is done, collecting works
    assert [e.action for e in events] == ["new"]
