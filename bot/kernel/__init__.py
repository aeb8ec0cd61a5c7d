"""The shared kernel: the handlers' context, the callback codec, case codes and the Services container."""
