import numpy as np

from deeprec.profiling import measure, rss_bytes


def test_the_peak_of_a_stage_counts_what_it_allocated_and_freed():
    def stage():
        big = np.ones(50_000_000 // 8 * 4)  # 200 MB, touched
        return float(big[::4096].sum())

    result, seen = measure("alloc", stage)
    assert result > 0 and seen.name == "alloc" and seen.seconds > 0
    assert seen.peak_bytes > 150e6
    assert rss_bytes() < seen.start_bytes + 150e6  # freed afterwards
