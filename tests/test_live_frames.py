"""helpers.live_frames: the live view's Pillow frames."""

import io

import numpy as np
import pytest
from PIL import Image

from helpers import live, live_frames


def _record(n=5):
    steps = list(range(0, 2 * n, 2))
    record = live.LiveRecord(steps=steps, loss=list(np.linspace(2.3, 1.0, n)))
    for name in ("hidden_1", "output"):
        record.update_ratio[name] = list(np.linspace(-4, -2.5, n))
        record.grad_data_ratio[name] = list(np.geomspace(1e-3, 1e-1, n))
    record.activation_std["act_1"] = list(np.linspace(0.5, 0.8, n))
    record.dead["act_1"] = [0.0] * n
    record.saturated["act_1"] = list(np.linspace(0, 0.3, n))
    record.edges["act_1"] = np.linspace(0, 1, live.HISTOGRAM_BINS + 1)
    record.histograms["act_1"] = [np.arange(live.HISTOGRAM_BINS) + i for i in range(n)]
    return record


SITES = [live.Site("act_1", "sigmoid")]
KERNELS = ["hidden_1", "output"]


@pytest.mark.parametrize("image_format, magic", [("png", b"\x89PNG"), ("jpeg", b"\xff\xd8")])
def test_a_frame_is_an_image_of_the_figure_size(image_format, magic):
    data = live_frames.render_frame(
        _record(), SITES, KERNELS, "act_1", "title", scale=1.0, image_format=image_format
    )
    assert data[: len(magic)] == magic
    assert Image.open(io.BytesIO(data)).size == (live_frames.WIDTH, live_frames.HEIGHT)


def test_a_new_measurement_changes_the_frame():
    # A redraw that ignored the record would pass every other test here.
    first = live_frames.render_frame(_record(5), SITES, KERNELS, "act_1")
    second = live_frames.render_frame(_record(6), SITES, KERNELS, "act_1")
    a = np.asarray(Image.open(io.BytesIO(first)), dtype=int)
    b = np.asarray(Image.open(io.BytesIO(second)), dtype=int)
    assert np.abs(a - b).sum() > 0


def test_empty_broken_and_single_point_records_still_draw():
    broken = _record(4)
    broken.update_ratio["hidden_1"][1] = float("-inf")  # ΔW = 0: no step
    broken.grad_data_ratio["output"] = [0.0] * 4
    broken.loss[2] = float("nan")
    for record in (live.LiveRecord(), broken, _record(1)):
        data = live_frames.render_frame(record, SITES, KERNELS, "act_1")
        assert data[:4] == b"\x89PNG"


def test_an_unknown_image_format_is_refused():
    with pytest.raises(ValueError, match="image_format must be 'png' or 'jpeg', got 'gif'"):
        live_frames.render_frame(_record(), SITES, KERNELS, image_format="gif")


def test_the_title_stays_centred_over_the_figure():
    # The title's ink must be centred: a frame whose title drifted to a corner passed every
    # test above once.
    record = _record()
    data = live_frames.render_frame(
        record, SITES, KERNELS, "act_1", "a title", scale=1.0, supersample=1
    )
    pixels = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=int)
    band = pixels[: int(0.06 * live_frames.HEIGHT)]  # the strip above the panels' titles
    ink = np.flatnonzero((band < 128).any(axis=0))
    assert ink.size, "no title drawn"
    centre = (ink.min() + ink.max()) / 2
    assert abs(centre - live_frames.WIDTH / 2) < 0.05 * live_frames.WIDTH
