"""The bytes of what log_dict, log_figure, log_image and log_table are given, as MLflow writes them.

Standard library only: a matplotlib or plotly figure, a numpy array, a PIL image and a pandas
DataFrame are used through their own methods, never imported, so this module costs nothing to
import and works the same whichever of those libraries the user has.
"""

import io
import json
import math
import os
import re
import struct
import zlib

YAML_EXTENSIONS = (".yaml", ".yml")
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".bmp": "BMP",
                 ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF"}


def extension(artifact_file):
    return os.path.splitext(artifact_file)[1].lower()


def text_bytes(text):
    if not isinstance(text, str):
        raise TypeError("log_text takes a str, not %s" % type(text).__name__)
    return text.encode("utf-8")


def dict_bytes(dictionary, artifact_file):
    """JSON with an indent of 2, or YAML for a .yaml/.yml file (MLflow's log_dict)."""
    if extension(artifact_file) in YAML_EXTENSIONS:
        return yaml_dump(dictionary).encode("utf-8")
    return json.dumps(dictionary, indent=2).encode("utf-8")


# ---- YAML ----------------------------------------------------------------------------------

# What YAML 1.1 (PyYAML's resolvers) would read as something other than a string: such text is
# quoted, as PyYAML quotes it.
_NOT_TEXT = re.compile(r"""(?x)
    yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|y|Y|n|N
  | ~|null|Null|NULL|<<|=
  | [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(?:0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+
  | [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
  | [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)? | \.[0-9_]+(?:[eE][-+][0-9]+)?
  | [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
  | [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}.*)?""")
_PLAIN = re.compile(r"[A-Za-z0-9_./()+=$^-][ -~]*")


def yaml_dump(value):
    """YAML of JSON-like data in block style, keys sorted (as PyYAML's dump, which MLflow uses)."""
    out = []
    _yaml_node(value, 0, out, top=True)
    return "".join(out)


def _yaml_scalar(value):
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = str(value)
    if (_PLAIN.fullmatch(text) and not _NOT_TEXT.fullmatch(text) and not text.endswith((" ", ":"))
            and ": " not in text and " #" not in text):
        return text
    return json.dumps(text)  # a double-quoted YAML scalar is a JSON string


def _yaml_node(value, indent, out, top=False):
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            out.append("{}\n" if top else " {}\n")
            return
        if not top:
            out.append("\n")
        for key in sorted(value, key=str):
            item = value[key]
            out.append("%s%s:" % (pad, _yaml_scalar(key)))
            if isinstance(item, (dict, list, tuple)) and item:
                _yaml_node(item, indent + 2, out)
            else:
                out.append(" %s\n" % (_yaml_scalar(item) if not isinstance(item, (dict, list, tuple))
                                      else ("{}" if isinstance(item, dict) else "[]")))
        return
    if isinstance(value, (list, tuple)):
        if not value:
            out.append("[]\n" if top else " []\n")
            return
        if not top:
            out.append("\n")
        for item in value:
            if isinstance(item, (dict, list, tuple)) and item:
                out.append("%s-" % pad)
                _yaml_node(item, indent + 2, out)
            else:
                out.append("%s- %s\n" % (pad, _yaml_scalar(item) if not isinstance(item, (dict, list, tuple))
                                         else ("{}" if isinstance(item, dict) else "[]")))
        return
    out.append("%s\n" % _yaml_scalar(value) if top else " %s\n" % _yaml_scalar(value))


# ---- figures -------------------------------------------------------------------------------

def _module(obj):
    return type(obj).__module__.split(".")[0]


def figure_bytes(figure, artifact_file, save_kwargs=None):
    """A matplotlib figure saved in the file's format, or a plotly figure as HTML or an image."""
    kwargs = dict(save_kwargs or {})
    ext = extension(artifact_file)
    if _module(figure) == "matplotlib" and hasattr(figure, "savefig"):
        kwargs.setdefault("format", ext[1:] if ext else "png")
        buffer = io.BytesIO()
        figure.savefig(buffer, **kwargs)
        return buffer.getvalue()
    if _module(figure) == "plotly" and hasattr(figure, "write_html"):
        if ext == ".html":
            kwargs.setdefault("include_plotlyjs", "cdn")
            kwargs.setdefault("auto_open", False)
            text = io.StringIO()
            figure.write_html(text, **kwargs)
            return text.getvalue().encode("utf-8")
        if ext in (".png", ".jpeg", ".jpg", ".webp", ".svg", ".pdf"):
            buffer = io.BytesIO()
            figure.write_image(buffer, format=ext[1:], **kwargs)
            return buffer.getvalue()
        raise TypeError("log_figure: a plotly figure is saved as .html, .png, .jpeg, .webp, .svg "
                        "or .pdf, not %r" % artifact_file)
    raise TypeError("log_figure takes a matplotlib or plotly figure, not %s.%s"
                    % (type(figure).__module__, type(figure).__name__))


# ---- images --------------------------------------------------------------------------------

def image_bytes(image, artifact_file):
    """A numpy array or a PIL image in the file's format (a PNG needs neither PIL nor numpy)."""
    ext = extension(artifact_file)
    fmt = IMAGE_FORMATS.get(ext)
    if fmt is None:
        raise ValueError("log_image saves images as %s; %r has none of those extensions"
                         % (", ".join(sorted(IMAGE_FORMATS)), artifact_file))
    if _module(image) == "PIL" and hasattr(image, "save"):
        buffer = io.BytesIO()
        image.save(buffer, format=fmt)
        return buffer.getvalue()
    if _module(image) == "numpy" and hasattr(image, "shape"):
        pixels = _uint8_pixels(image)
        if fmt == "PNG":
            return png(pixels)
        try:
            from PIL import Image  # noqa: PLC0415 (only the user's own PIL, for other formats)
        except ImportError:
            raise ImportError("log_image writes a numpy array as %s with Pillow, which is not "
                              "installed: install it, or log a .png" % fmt) from None
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format=fmt)
        return buffer.getvalue()
    raise TypeError("log_image takes a numpy array or a PIL image, not %s.%s"
                    % (type(image).__module__, type(image).__name__))


def _uint8_pixels(array):
    """The array as uint8 pixels of shape (H, W), (H, W, 3) or (H, W, 4), as MLflow accepts them:
    integers from 0 to 255, or floats from 0 to 1 (scaled by 255)."""
    shape = tuple(array.shape)
    if len(shape) == 3 and shape[2] == 1:
        array = array.reshape(shape[:2])
        shape = shape[:2]
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (3, 4)):
        raise ValueError("log_image takes an array of shape (H, W), (H, W, 1), (H, W, 3) or "
                         "(H, W, 4), not %s" % (shape,))
    kind = array.dtype.kind
    if array.size and kind in "iu":
        if array.min() < 0 or array.max() > 255:
            raise ValueError("an integer image holds values from 0 to 255; this one has %s to %s"
                             % (array.min(), array.max()))
        return array.astype("uint8")
    if array.size and kind == "f":
        low, high = float(array.min()), float(array.max())
        if not (0.0 <= low and high <= 1.0):
            raise ValueError("a float image holds values from 0 to 1; this one has %s to %s"
                             % (low, high))
        return (array * 255).round().astype("uint8")
    if kind == "b":
        return (array * 255).astype("uint8")
    if not array.size:
        raise ValueError("log_image: the array is empty")
    raise TypeError("log_image takes an array of integers or floats, not of %s" % array.dtype)


def png(pixels):
    """A PNG of uint8 pixels (H, W), (H, W, 3) or (H, W, 4), with zlib only."""
    shape = tuple(pixels.shape)
    height, width = shape[0], shape[1]
    channels = shape[2] if len(shape) == 3 else 1
    color = {1: 0, 3: 2, 4: 6}[channels]
    raw = pixels.tobytes()
    stride = width * channels
    rows = b"".join(b"\x00" + raw[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6))
            + chunk(b"IEND", b""))


# ---- tables --------------------------------------------------------------------------------

def table_bytes(data, artifact_file):
    """MLflow's log_table file: JSON {"columns": [...], "data": [[row], ...]}, from a dict of
    columns or a pandas DataFrame."""
    if not artifact_file.endswith(".json"):
        raise ValueError("log_table writes JSON: artifact_file must end with .json, not %r "
                         "(as in MLflow)" % artifact_file)
    if _module(data) == "pandas" and hasattr(data, "to_json"):
        return data.to_json(orient="split", index=False, date_format="iso").encode("utf-8")
    if not isinstance(data, dict):
        raise TypeError("log_table takes a dict of columns or a pandas DataFrame, not %s"
                        % type(data).__name__)
    columns = list(data)
    values = [list(_plain(v) for v in data[c]) if _iterable(data[c]) else [_plain(data[c])]
              for c in columns]
    lengths = {len(v) for v in values}
    if len(lengths) > 1:
        raise ValueError("log_table: the columns have different lengths (%s)"
                         % ", ".join("%s: %d" % (c, len(v)) for c, v in zip(columns, values)))
    rows = [list(row) for row in zip(*values)]
    return json.dumps({"columns": columns, "data": rows}).encode("utf-8")


def _iterable(value):
    return not isinstance(value, (str, bytes)) and hasattr(value, "__iter__")


def _plain(value):
    item = getattr(value, "item", None)  # numpy scalars
    if item is not None and not isinstance(value, (int, float, str)):
        try:
            return item()
        except (TypeError, ValueError):
            return str(value)
    return value
