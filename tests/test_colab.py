import base64

import numpy as np
import pytest

from esc50 import colab


def test_a_browser_recording_decodes_to_samples_and_rate():
    y = np.linspace(-1, 1, 480, dtype="<f4")
    decoded, sr = colab.decode_recording({"rate": 48000, "data": base64.b64encode(y.tobytes()).decode()})
    assert sr == 48000 and decoded.dtype == np.float32
    np.testing.assert_array_equal(decoded, y)


def test_bad_or_empty_recordings_are_refused():
    with pytest.raises(ValueError, match="empty"):
        colab.decode_recording({"rate": 48000, "data": ""})
    with pytest.raises(ValueError, match="not a recording"):
        colab.decode_recording({"data": "AAAA"})


def test_outside_colab_upload_and_record_say_what_to_do_instead():
    assert not colab.in_colab()
    for call in (colab.upload, colab.record):
        with pytest.raises(RuntimeError, match="only in Google Colab.*path"):
            call()
