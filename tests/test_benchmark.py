import deeprec as dr
from deeprec import benchmark
from deeprec.cli import main


def test_bench_quick_reports_every_pipeline(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    assert main(["bench", "--quick", "--out", str(tmp_path / "b.json")]) == 0
    out = capsys.readouterr().out
    assert "Large float32 GEMM" in out
    import json
    rows = json.loads((tmp_path / "b.json").read_text())["rows"]
    pipelines = {r["pipeline"] for r in rows}
    assert pipelines == {"deeprec (device tensor)",
                         "naive: long frame filter per row",
                         "naive: wide frame iloc per row"}
    assert all(r["epoch_s"] > 0 and r["gflops"] > 0 for r in rows)


def test_bench_cases_are_the_recipes(monkeypatch):
    """The benchmark times the recipes' models: change a recipe and the
    benchmark follows."""
    scale = dr.Scale(quick=True)
    case, _ = benchmark.autorec_case(scale)
    assert case.build().config == dr.models.registry.sized(
        dr.recipes.I_AUTOREC, case.data)
    wider = dr.Run({"model": "x"}, dr.replace(dr.recipes.DEEP_AE_BASELINE,
                                              hidden_dims=(64, 32)),
                   dr.recipes.BENCHMARK["deep-ae"].train)
    monkeypatch.setitem(dr.recipes.BENCHMARK, "deep-ae", wider)
    deep, _ = benchmark.deep_case(scale)
    assert deep.build().config.hidden_dims == (64, 32)
    assert deep.name.startswith("Deep AE n,64,32,64,n")
    assert deep.config.refeed == 1


def test_step_flops_of_a_two_layer_mlp():
    # forward 2*4*3 + 2*3*4 = 48; backward 2*48 - 2*4*3 = 72
    assert benchmark.step_flops([4, 3, 4], 1) == 120


def test_bench_reports_the_paper_scale_epoch_with_its_flop_floor(
        capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    assert main(["bench", "--quick", "--out", str(tmp_path / "b.json")]) == 0
    out = capsys.readouterr().out
    assert "Paper scale: an epoch of n,512,512,1024,512,512,n" in out
    import json
    rows = json.loads((tmp_path / "b.json").read_text())["netflix_epoch"]
    assert [r["variant"] for r in rows] == ["fp32", "bf16", "fp32+compile"]
    assert [r["compile_s"] > 0 for r in rows] == [False, False, True]
    for r in rows:
        assert r["epoch_s"] > 0 and r["peak_gib"] > 0
        assert r["floor_here_s"] > 0 and r["floor_h200_s"] < r["floor_here_s"]


def test_the_netflix_full_model_and_its_flops():
    from deeprec import bench_scale
    dims = bench_scale.model_dims()
    assert dims == [17_768, 512, 512, 1024, 512, 512, 17_768]
    # two passes (sparse + one re-feed) of every one of 477,412 users
    assert bench_scale.epoch_flops(dims) == (
        benchmark.step_flops(dims, 2) * 477_412)
    m = bench_scale.sample_matrix(200, 1000, per_row=50)
    dense = m.to_dense()
    assert dense.shape == (200, 1000)
    assert abs(m.nnz / 200 - 50) < 5  # Poisson(50) ratings a user
    assert set(dense.unique().tolist()) <= {0, 1, 2, 3, 4, 5}


def test_bench_times_each_stage_of_the_netflix_pipeline(
        capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPREC_QUICK", "1")
    monkeypatch.setenv("DEEPREC_DATA", str(tmp_path))
    out = tmp_path / "b.json"
    assert main(["bench", "--netflix", "0.0005", "--out", str(out)]) == 0
    assert "Netflix pipeline (" in capsys.readouterr().out
    import json
    pipeline = json.loads(out.read_text())["netflix_pipeline"]
    names = [s["index"] for s in pipeline["stages"]]
    assert names[0] == "write the synthetic files"
    assert names[1:] == ["parse into compact columns", "split: 3months",
                         "split: 6months", "split: 1year", "split: full",
                         "training matrix (CSR) of Full",
                         "whole pipeline: text to the Full CSR"]
    assert pipeline["ratings"] > 40_000 and pipeline["pipeline_s"] > 0
    assert main(["bench", "--netflix", "2"]) == 1  # a scale above 1
