"""Training packs the model archive with gzip's fastest level; applied by bot/training_progress.py.

Rasa writes the archive (65 MB unpacked: n-gram vocabularies and weights) at gzip's default
level 9: 5.8 s of every training, a retraining whose components all came from Rasa's cache
included. Level 1 packs the same files in 1.0 s into an archive 5 % larger (37.2 MB instead
of 35.4), which the server unpacks as fast (0.3 s). Measured on the model of 2026-12-08.
"""
from bot import rasa_internals

PURPOSE = "packing the model archive with gzip's fastest level"
COMPRESS_LEVEL = 1


def install() -> bool:
    """Make this process's Rasa write model archives at COMPRESS_LEVEL; False (and Rasa's own
    level) when Rasa's packing is not the code this was written for."""
    from rasa.engine.storage import local_model_storage

    if not rasa_internals.unchanged(
            "rasa.engine.storage.local_model_storage:LocalModelStorage.create_model_package", purpose=PURPOSE):
        return False
    rasas_tarfile = local_model_storage.TarSafe

    class FastPackingTarSafe(rasas_tarfile):
        """Rasa's tar file class (tarsafe), writing gzip at COMPRESS_LEVEL; reading is the same."""

        @classmethod
        def open(cls, name=None, mode="r", *args, **kwargs):
            if mode == "w:gz":
                kwargs.setdefault("compresslevel", COMPRESS_LEVEL)
            return super().open(name, mode, *args, **kwargs)

    # create_model_package writes with `TarSafe.open(path, "w:gz")`, the name in that module.
    local_model_storage.TarSafe = FastPackingTarSafe
    return True
