"""`finbrain assistant train --output` and `finbrain chat --model` (the terminal conversation
with the demo bank): a lost card is reported after the yes, a question is answered from the
FAQ, 退出 ends it; a missing option is a clear refusal."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from finbrain.cli.main import app

runner = CliRunner()


def test_train_to_a_file_then_chat_in_the_terminal(tmp_path: Path) -> None:
    model = tmp_path / "intent.json"
    made = runner.invoke(app, ["assistant", "train", "--output", str(model), "--no-public"])
    assert made.exit_code == 0, made.output
    measures = json.loads(made.output[made.output.index("{") :])
    assert measures["accuracy_zh_test"] >= 0.85 and model.is_file()
    typed = "我的信用卡丢了\n确认\n信用卡年费多少\n退出\n"
    chat = runner.invoke(app, ["chat", "--model", str(model)], input=typed)
    assert chat.exit_code == 0, chat.output
    assert "尾号5678" in chat.output and "已挂失" in chat.output
    assert "bank: report_lost_card done" in chat.output
    assert "980" in chat.output  # the annual-fee answer of the demo FAQ


def test_train_needs_a_tenant_or_a_file(tmp_path: Path) -> None:
    r = runner.invoke(app, ["assistant", "train"])
    assert r.exit_code == 2 and "--tenant" in r.output
    r = runner.invoke(app, ["assistant", "train", "--output", "x.json", "--encoders", "bert"])
    assert r.exit_code == 2 and "--encoders" in r.output
    r = runner.invoke(app, ["chat", "--model", str(tmp_path / "missing.json")])
    assert r.exit_code == 2 and "no file" in r.output
