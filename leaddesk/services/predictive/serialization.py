"""Model bytes in the skops format, loaded with a fixed list of trusted types and never with pickle.

A model on a team server or in a synced folder can be rewritten by any teammate with write
access, and unpickling runs whatever code the bytes name. skops.io (0.16) instead rebuilds
the object graph from a JSON schema. Before it creates anything, it rejects every type
that is neither in its own list of safe scikit-learn, NumPy and SciPy types nor in the
trusted list given to loads(). TRUSTED_TYPES names exactly the extra types that LeadDesk's
own models contain, so planted bytes that reference any other type or function are rejected.

The FeatureSpec is stored as JSON text inside the payload, so no LeadDesk class needs to be trusted.
"""

from __future__ import annotations

import json
import logging
import zipfile
from dataclasses import asdict
from typing import Any

import skops.io as sio
from skops.io.exceptions import UntrustedTypesFoundException

from leaddesk.services.predictive.features import CategoryField, FeatureSpec, NumericField
from leaddesk.services.predictive.model import METHODS, ConversionModel

logger = logging.getLogger(__name__)

PAYLOAD_FORMAT = 1

# Types in a calibrated logistic regression or histogram gradient boosting model (scikit-learn
# 1.9) that skops does not trust by default. functools.partial only wraps check_array here,
# and skops checks the function inside a partial against this list too.
TRUSTED_TYPES = (
    "functools.partial",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
)


class UntrustedModelError(ValueError):
    """Model bytes that are not a LeadDesk model in the skops format, or that name untrusted types."""


def model_to_bytes(model: ConversionModel) -> bytes:
    """Serialize the model with skops; the result loads with model_from_bytes only."""
    payload = {
        "format": PAYLOAD_FORMAT,
        "method": model.method,
        "spec": json.dumps(asdict(model.spec)),
        "estimator": model.estimator,
    }
    return sio.dumps(payload)


def model_from_bytes(data: bytes, source: str) -> ConversionModel:
    """Rebuild a model from model_to_bytes output.

    Raises UntrustedModelError naming source when the bytes are not a skops file, name a
    type outside TRUSTED_TYPES and skops' defaults, or do not hold a LeadDesk model.
    """
    try:
        untrusted = [name for name in sio.get_untrusted_types(data=data) if name not in TRUSTED_TYPES]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        logger.error("%s is not a skops model file: %r", source, error)
        raise UntrustedModelError(f"{source} is not a LeadDesk model in the skops format ({error})") from None
    if untrusted:
        logger.error("%s names untrusted types %s; it was not loaded", source, untrusted)
        raise UntrustedModelError(
            f"{source} names types that a LeadDesk model never contains ({', '.join(untrusted)}), so it was not loaded; "
            "someone may have replaced the stored model"
        )
    try:
        payload = sio.loads(data, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException as error:
        raise UntrustedModelError(f"{source} was not loaded: {error}") from None
    except Exception as error:  # a damaged skops file can fail in the JSON schema or while building any node
        logger.error("%s cannot be read as a skops model: %r", source, error)
        raise UntrustedModelError(f"{source} cannot be read as a LeadDesk model ({type(error).__name__}: {error})") from None
    return _model_from_payload(payload, source)


def _model_from_payload(payload: Any, source: str) -> ConversionModel:
    if not isinstance(payload, dict) or payload.get("format") != PAYLOAD_FORMAT:
        raise UntrustedModelError(f"{source} does not hold a LeadDesk model of payload format {PAYLOAD_FORMAT}")
    method = payload.get("method")
    if method not in METHODS:
        raise UntrustedModelError(f"{source} names an unknown method {method!r}; expected one of {', '.join(METHODS)}")
    try:
        spec = _spec_from_dict(json.loads(payload["spec"]))
    except (KeyError, TypeError, ValueError) as error:
        raise UntrustedModelError(f"{source} has an invalid feature specification ({error})") from None
    return ConversionModel(spec=spec, method=method, estimator=payload["estimator"])


def _spec_from_dict(data: dict[str, Any]) -> FeatureSpec:
    return FeatureSpec(
        numeric=[NumericField(**item) for item in data["numeric"]],
        categorical=[CategoryField(**item) for item in data["categorical"]],
        skipped=dict(data["skipped"]),
        column_names=list(data["column_names"]),
    )
