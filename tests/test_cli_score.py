"""`leaddesk score train` and `leaddesk score show` on a real database file."""

from __future__ import annotations

import json

from leaddesk.cli.main import main
from leaddesk.models import Lead
from leaddesk.services.auto_evaluation import SKIP_KEY
from database_target import db_arg  # noqa: F401 (fixture)
from predictive_history import build_closed_leads


def test_score_train_json(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)

    code = main(["score", "train", "--db", db_arg, "--method", "logistic", "--holdout", "0.25", "--json",
                 "--exclude", "Plan"])
    output = json.loads(capsys.readouterr().out)

    assert code == 0
    assert output["version"] == 1
    assert output["activated"] is True
    assert output["holdout_leads"] == 100
    assert output["auc"] > 0.8
    assert output["log_loss"] > 0
    assert output["calibration"][0]["leads"] > 0
    assert "custom:Plan" not in output["fields"]


def test_score_train_text(database, db_arg, capsys):
    build_closed_leads(database, won=150, lost=250)

    code = main(["score", "train", "--db", db_arg, "--method", "logistic"])
    output = capsys.readouterr().out

    assert code == 0
    assert "AUC 0." in output
    assert "log loss" in output
    assert "calibration (predicted probability bin" in output
    assert "activated: first validated model" in output


def test_score_train_too_few(database, db_arg, capsys):
    build_closed_leads(database, won=5, lost=5)

    code = main(["score", "train", "--db", db_arg])
    error = capsys.readouterr().err

    assert code == 1
    assert "45 more won leads and 45 more lost or disqualified leads" in error


def test_score_train_invalid_holdout(database, db_arg, capsys):
    code = main(["score", "train", "--db", db_arg, "--holdout", "0"])
    assert code == 2
    assert "invalid --holdout 0.0" in capsys.readouterr().err


def test_score_show_factors(database, db_arg, capsys):
    leads = build_closed_leads(database, won=150, lost=250, open_leads=3)
    main(["score", "train", "--db", db_arg, "--method", "logistic"])
    capsys.readouterr()

    code = main(["score", "show", str(leads[-1].id), "--db", db_arg])
    output = capsys.readouterr().out
    json_code = main(["score", "show", str(leads[-1].id), "--db", db_arg, "--json"])
    shown = json.loads(capsys.readouterr().out)

    assert code == 0
    assert "conversion probability" in output
    assert "pushing up:" in output
    assert "pushing down:" in output
    assert json_code == 0
    assert 0 < shown["probability"] < 1
    assert shown["model_version"] == 1


def test_score_show_without_model(database, db_arg, capsys):
    leads = build_closed_leads(database, won=3, lost=4)

    code = main(["score", "show", str(leads[0].id), "--db", db_arg])
    output = capsys.readouterr().out

    assert code == 0
    assert "rule score" in output
    assert "47 more won, 46 more lost" in output


def test_score_show_unknown_lead(database, db_arg, capsys):
    code = main(["score", "show", "00000000-0000-0000-0000-000000000001", "--db", db_arg])
    assert code == 1
    assert "not found" in capsys.readouterr().err


def test_score_train_high_auc_warns(database, db_arg, capsys):
    leads = build_closed_leads(database, won=60, lost=90)
    with database.session() as session:
        session.info[SKIP_KEY] = True
        for draft in leads:
            lead = session.get(Lead, draft.id)
            lead.custom_fields = {**lead.custom_fields, "Status Tag": "Closed" if lead.stage == "won" else "Ringing"}

    code = main(["score", "train", "--db", db_arg, "--method", "logistic"])
    output = capsys.readouterr().out

    assert code == 0
    assert "is above 0.95, which fields known when a lead arrives rarely reach" in output
    assert "Fields strongest alone: custom:Status Tag (1.000), " in output
    assert "retrain with --exclude FIELD for each" in output


def test_score_train_names_yes_no_fields(database, db_arg, capsys):
    leads = build_closed_leads(database, won=0, lost=0, open_leads=20)
    with database.session() as session:
        session.info[SKIP_KEY] = True
        for index, draft in enumerate(leads):
            lead = session.get(Lead, draft.id)
            lead.custom_fields = {**lead.custom_fields, "Converted": str(index % 2), "Do Not Call": "Yes" if index % 3 else "No"}

    code = main(["score", "train", "--db", db_arg])
    error = capsys.readouterr().err

    assert code == 1
    assert "0 won and 0 lost or disqualified" in error
    assert "hold yes/no values and could be the outcome instead: 'Converted', 'Do Not Call';" in error
    assert "train with --outcome-field 'Converted'" in error
