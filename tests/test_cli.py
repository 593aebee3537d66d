import dataclasses
import json

import pytest

from deeprec import options
from deeprec.cli import main, parser
from deeprec.studies import recipes


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    """``--quick`` sets DEEPREC_QUICK; monkeypatch restores it afterwards."""
    monkeypatch.setenv("DEEPREC_QUICK", "1")


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def error_line(err: str) -> str:
    """The one error line of stderr (progress and data lines aside)."""
    lines = [line for line in err.splitlines() if line.startswith("error")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("model", ["i-autorec", "deep-ae", "biases"])
def test_train_prints_rmse_and_saves(model, capsys, tmp_path):
    import deeprec as dr
    save = ["--save", str(tmp_path / "m.pt")] if model != "biases" else []
    code, out, _ = run(["train", "--model", model, "--no-progress",
                        "--valid-fraction", "0.1", "--epochs", "2", *save],
                       capsys)
    assert code == 0
    row = json.loads(out.splitlines()[0])
    assert row["dataset"] == "synthetic/u1"
    assert row["model"] == recipes.RECIPES[model].label["model"]
    assert f"test RMSE: {row['test_rmse']:.4f}" in out
    data = dr.RatingData(dr.load_split("synthetic", "u1",
                                       valid_fraction=0.1))
    if model == "biases":  # closed form: nothing to save; well fitted
        assert row["test_rmse"] < dr.evaluate_rmse(dr.GlobalMean(data),
                                                   data)
        return
    # the saved model is the one whose RMSE was printed
    saved, extra = dr.load_model(tmp_path / "m.pt")
    assert extra["key"] == row["key"]
    assert dr.evaluate_rmse(saved, data) == pytest.approx(row["test_rmse"])


def test_global_options_work_after_the_subcommand(capsys, monkeypatch):
    monkeypatch.delenv("DEEPREC_QUICK")
    code, out, _ = run(["train", "--model", "biased-mf", "--quick",
                        "--epochs", "1", "--no-progress"], capsys)
    assert code == 0 and "synthetic/u1" in out


def test_save_into_a_folder_names_the_file(capsys, tmp_path):
    code, out, _ = run(["train", "--epochs", "1", "--no-progress", "--save",
                        str(tmp_path)], capsys)
    assert code == 0
    assert [p.name for p in tmp_path.iterdir()] == [
        "i-autorec-synthetic-u1.pt"]
    new = tmp_path / "models"
    code, out, _ = run(["train", "--epochs", "1", "--no-progress", "--save",
                        f"{new}/"], capsys)  # a trailing slash: made now
    assert code == 0 and (new / "i-autorec-synthetic-u1.pt").is_file()


@pytest.mark.parametrize("argv,expected", [
    (["--epochs", "0"], "--num-epochs 0: must be an integer >= 1"),
    (["--epochs", "-5"], "--num-epochs -5: must be an integer >= 1"),
    (["--hidden", "0"], "--hidden-dim 0: must be an integer >= 1"),
    (["--model", "deep-ae", "--layers", "0"],
     "--hidden-dims (0,): must be one or more integers >= 1"),
    (["--model", "deep-ae", "--layers", "512,,1024"],
     "--hidden-dims 512,,1024: must be comma-separated numbers"),
    (["--lr", "nan", "--optimizer", "sgd"],
     "--lr nan: must be a finite number > 0"),
    (["--batch-size", "0"], "--batch-size 0: must be an integer >= 1"),
    (["--valid-fraction", "-0.1"],
     "--valid-fraction -0.1: must be a number in [0, 1)"),
    (["--valid-fraction", "1"],
     "--valid-fraction 1.0: must be a number in [0, 1)"),
    (["--dropout", "1.5"], "--dropout 1.5: must be a number in [0, 1)"),
    (["--optimizer", "adagrad"], "--optimizer adagrad: must be one of sgd"),
    (["--model", "deep-ae", "--hidden", "5"],
     "--hidden-dim does not apply to --model deep-ae"),
    (["--set", "nothing=1"], "--set nothing=1: must be [RECIPE.]FIELD=VALUE"),
    (["--model", "rbm"], "argument --model: invalid choice: 'rbm'"),
    (["--seed", "-1"], "--seed -1: must be an integer >= 0"),
    (["--save", "/no/such/folder/m.pt"],
     "--save /no/such/folder/m.pt: folder /no/such/folder does not exist"),
    (["--model", "biases", "--save", "m.pt"],
     "--save: biases is fitted in closed form"),
])
def test_bad_values_get_one_line_and_exit_2(argv, expected, capsys):
    code, out, err = run(["train", "--no-progress", *argv], capsys)
    assert code == 2
    assert expected in error_line(err)


def test_set_sets_any_field(capsys):
    code, out, _ = run(["train", "--show-config", "--set", "lr=0.05",
                        "--set", "refeed=1"], capsys)
    assert code == 0
    train = json.loads(out)["train"]
    assert (train["lr"], train["refeed"]) == (0.05, 1)


def test_library_errors_get_one_line_and_exit_1(capsys, monkeypatch):
    code, _, err = run(["train", "--no-progress", "--epochs", "1",
                        "--device", "cuda:7"], capsys)
    if code == 0:
        pytest.skip("this machine has 8 GPUs")
    assert code == 1 and "--debug" in error_line(err)
    import deeprec as dr

    def missing(*args, **kw):
        raise dr.data.DatasetNotFoundError("ml-100k is not cached.\n"
                                           "  Download it from ...")
    monkeypatch.setattr(dr, "load_split", missing)
    code, _, err = run(["stats"], capsys)
    assert code == 1
    assert "ml-100k is not cached. Download it from ..." in error_line(err)


def test_debug_shows_the_traceback(capsys):
    code, _, err = run(["--debug", "train", "--epochs", "0"], capsys)
    assert code == 2 and "Traceback" in err


def test_a_diverged_run_says_so_and_saves_nothing(capsys, tmp_path):
    code, out, err = run(["train", "--model", "deep-ae", "--optimizer",
                          "sgd", "--lr", "1e30", "--epochs", "2",
                          "--no-progress", "--save", str(tmp_path / "m.pt")],
                         capsys)
    assert code == 3
    assert "diverged" in error_line(err) and "nothing saved" in err
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.parametrize("name", list(recipes.RECIPES))
def test_cli_defaults_are_the_recipes(name, capsys):
    """No default is written twice: with no options the command line runs
    exactly the recipe, and its data defaults are DataConfig's."""
    from deeprec.config import as_dict
    code, out, _ = run(["train", "--model", name, "--show-config"], capsys)
    assert code == 0
    shown = json.loads(out)
    recipe = recipes.RECIPES[name]
    assert shown["label"] == recipe.label
    assert shown["model"] == json.loads(json.dumps(as_dict(recipe.model)))
    assert shown["train"] == json.loads(json.dumps(as_dict(recipe.train)))
    args = parser().parse_args(["train", "--model", name])
    assert options.overrides(args) == {}
    assert options.apply(options.DataConfig(), {}, set()) == \
        options.DataConfig()
    assert args.seed == options.DataConfig.seed


def test_every_config_field_has_an_option_with_its_doc():
    from deeprec.config import field_docs
    train = parser()._subparsers._group_actions[0].choices["train"]
    actions = {a.dest: a for a in train._actions}
    for cls in options.CONFIGS:
        docs = field_docs(cls)
        for field in dataclasses.fields(cls):
            if field.name in options.NOT_OPTIONS:
                continue
            action = actions[f"field_{field.name}"]
            assert options.option(field.name) in action.option_strings
            assert action.default is None  # no default of its own
            assert field.name in docs, f"{cls.__name__}.{field.name}"
            assert action.help


def test_stats_prints_table1(capsys):
    code, out, _ = run(["stats", "--split", "u1"], capsys)
    assert code == 0
    assert "synthetic/u1" in out and "ratings" in out and "train" in out


def test_study_reruns_when_the_definition_changes(capsys, tmp_path):
    """The issue's command pair: the second command must retrain and print
    the u2 numbers, not the saved u1 ones."""
    out_dir = str(tmp_path / "hid")
    study = ["study", "autorec-hidden", "--out", out_dir, "--no-progress"]
    code, first, _ = run([*study, "--split", "u1", "--epochs", "3"], capsys)
    assert code == 0 and "8 runs trained here" in first
    code, second, _ = run([*study, "--split", "u2", "--epochs", "50"],
                          capsys)
    assert code == 0 and "8 runs trained here" in second
    assert "synthetic/u2" in second and "synthetic/u1" not in second
    code, third, _ = run([*study, "--split", "u2", "--epochs", "50"],
                         capsys)
    assert "0 runs trained here" in third and "8 read from saved" in third


def test_an_epoch_change_alone_retrains(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPREC_QUICK")  # epochs as given (no quick cap)
    monkeypatch.setattr("deeprec.cli.common.current_scale",
                        lambda *a: __import__("deeprec").Scale())
    study = ["study", "autorec-orientation", "--dataset", "synthetic",
             "--out", str(tmp_path), "--no-progress"]
    assert run([*study, "--epochs", "1"], capsys)[0] == 0
    code, out, _ = run([*study, "--epochs", "2"], capsys)
    assert code == 0 and "2 runs trained here" in out


def test_set_can_name_one_recipe_of_the_comparison(capsys):
    code, out, _ = run(["study", "comparison", "--show-config", "--set",
                        "deep-ae-user.num_epochs=7"], capsys)
    assert code == 0
    configs = [json.loads(line) for line in out.splitlines()]
    epochs = {c["label"]["model"]: c["train"].get("num_epochs")
              for c in configs}
    assert epochs["Deep AE (user)"] == 7
    assert epochs["Deep AE (item)"] == recipes.COMPARISON_DEEP_TRAIN.num_epochs
    assert epochs["BiasedMF"] == recipes.MF_TRAIN.num_epochs


@pytest.mark.parametrize("argv,expected", [
    (["study", "comparison", "--out", "x", "--epochs", "5"],
     "name the recipe, e.g. --set deep-ae-user.num_epochs=100"),
    (["study", "comparison", "--out", "x", "--seeds", "0", "0"],
     "--seeds 0 0: must be distinct integers >= 0"),
    (["study", "dropout", "--seeds", "1"],
     "--seeds applies to study comparison only"),
    (["study", "dropout", "--set", "i-autorec.hidden_dim=3"],
     "--set i-autorec.hidden_dim does not apply to any run of study"),
    (["stats", "--epochs", "3"], "unrecognized arguments: --epochs 3"),
    (["book", "run", "--quick"], "book run writes the published outputs"),
    (["train", "--valid-fraction", "2", "--show-config"],
     "--valid-fraction 2.0: must be a number in [0, 1)"),
])
def test_more_bad_options_get_one_line_and_exit_2(argv, expected, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2 and expected in error_line(err)


def test_a_study_with_a_diverged_run_exits_3(capsys, tmp_path):
    code, out, err = run(["study", "refeeding", "--lr", "1e30", "--out",
                          str(tmp_path), "--no-progress"], capsys)
    assert code == 3 and "6 run(s) diverged" in error_line(err)
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("name", ["refeeding", "autorec-orientation"])
def test_study_runs_and_saves(name, capsys, tmp_path):
    code, out, _ = run(["study", name, "--valid-fraction", "0.1", "--out",
                        str(tmp_path / name), "--device", "cpu",
                        "--no-progress"], capsys)
    assert code == 0 and "test_rmse" in out
    assert (tmp_path / name / "summary.csv").is_file()


def test_comparison_study_saves_models_and_blends(capsys, tmp_path):
    code, out, _ = run(["study", "comparison", "--seeds", "0", "1", "--out",
                        str(tmp_path), "--device", "cpu", "--no-progress"],
                       capsys)
    assert code == 0
    assert "Blend" in out and "test_rmse_mean" in out
    assert "blend pooled over seeds [0, 1]: valid" in out
    trained = 6  # the closed-form baselines and kNN are rebuilt, not saved
    assert len(list((tmp_path / "models").glob("*.pt"))) == trained * 2


def test_comparison_study_needs_a_results_folder(capsys):
    code, _, err = run(["study", "comparison"], capsys)
    assert code == 2 and "--out" in error_line(err)


def test_book_time_runs_a_chapter_at_a_fraction(capsys, tmp_path,
                                                monkeypatch):
    import os

    import nbformat
    monkeypatch.delenv("DEEPREC_QUICK")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import deeprec as dr\nP = dr.chapter_params()\n"
        "assert P.scale.fraction == 0.5 and P.epochs(10) == 5, P")]
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nb, str(path))
    before = dict(os.environ)
    code, out, _ = run(["book", "time", "--fraction", "0.5", str(path)],
                       capsys)
    assert code == 0
    assert "01_tiny.ipynb: " in out and " min at fraction 0.5" in out
    assert dict(os.environ) == before  # nothing leaks into the caller


def test_unknown_arguments_are_refused(capsys):
    code, _, err = run(["stats", "--no-such-option"], capsys)
    assert code == 2 and "unrecognized arguments" in error_line(err)


def test_book_lint_names_each_problem_and_fails(capsys, tmp_path):
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(
        "The test RMSE is 0.9019 ({glue:text}`rmse`).")]
    path = tmp_path / "01_tiny.ipynb"
    nbformat.write(nb, str(path))
    code, out, _ = run(["book", "lint", str(path)], capsys)
    assert code == 1
    assert "number typed in the prose: 0.9019" in out
    assert "the text pastes 'rmse', which no cell glued" in out
    nb.cells = [nbformat.v4.new_markdown_cell("Two layers, 943 users.")]
    nbformat.write(nb, str(path))
    code, out, _ = run(["book", "lint", str(path)], capsys)
    assert code == 0 and out.strip().endswith("clean")
