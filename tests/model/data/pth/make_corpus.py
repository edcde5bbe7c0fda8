#!/usr/bin/python3
"""Writes the .pth corpus for tests/model/pth_reader_test.cc into this folder.

Run with Debian's /usr/bin/python3 (it has torch): /usr/bin/python3 make_corpus.py
Values are small integers / 4 so that float16 and bfloat16 hold them exactly and
the C++ test can recompute them. Hand-built archives use the same layout as
torch.save: <archive>/data.pkl, <archive>/version, <archive>/byteorder,
<archive>/data/<key>.
"""
import collections
import io
import os
import pickle
import sys
import zipfile

import torch

OUT = os.path.dirname(os.path.abspath(__file__))
FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def base(dtype=torch.float32):
    """arange(12).reshape(3, 4) / 4 in `dtype`."""
    return (torch.arange(12, dtype=torch.float32).reshape(3, 4) / 4).to(dtype)


def save(name, obj, **kwargs):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kwargs)
    normalize(path)


def normalize(path):
    """Rewrites a zip with fixed timestamps so the committed files are reproducible."""
    with zipfile.ZipFile(path) as z:
        records = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    write_zip(path, records)


def write_zip(path, records):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in records:
            z.writestr(zipfile.ZipInfo(name, FIXED_TIME), data)


def torch_records(obj, **kwargs):
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    buf.seek(0)
    with zipfile.ZipFile(buf) as z:
        return [(info.filename, z.read(info.filename)) for info in z.infolist()]


class FakeStorage:
    def __init__(self, cls, key, numel):
        self.cls, self.key, self.numel = cls, key, numel


class FakeTensor:
    """Pickles exactly like a tensor, with whatever view we ask for."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class StoragePickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, FakeStorage):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def handmade(name, obj, storages, byteorder="little"):
    buf = io.BytesIO()
    StoragePickler(buf, protocol=2).dump(obj)
    records = [("archive/data.pkl", buf.getvalue()), ("archive/byteorder", byteorder.encode())]
    records += [("archive/data/" + key, data) for key, data in storages.items()]
    records.append(("archive/version", b"3\n"))
    write_zip(os.path.join(OUT, name), records)


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned-by-pickle",))


def main():
    six = base().flatten()[:6].contiguous()
    six_bytes = six.numpy().tobytes()
    sd = collections.OrderedDict([("weight", base()), ("bias", base()[0].clone())])

    with open(os.path.join(OUT, "empty.pth"), "wb"):
        pass
    with open(os.path.join(OUT, "not_zip.pth"), "wb") as f:
        f.write(b"this is not a zip archive, just text\n")
    write_zip(os.path.join(OUT, "no_data_pkl.pth"),
              [("archive/version", b"3\n"), ("archive/data/0", six_bytes)])
    records = torch_records(sd)
    write_zip(os.path.join(OUT, "truncated_pickle.pth"),
              [(n, d[: len(d) // 2] if n.endswith("data.pkl") else d) for n, d in records])
    save("forbidden_global.pth", {"weight": base(), "evil": Evil()})
    handmade("missing_storage.pth",
             {"weight": FakeTensor(FakeStorage(torch.FloatStorage, "7", 6), 0, (2, 3), (3, 1))},
             {"0": six_bytes})
    handmade("out_of_bounds_view.pth",
             {"weight": FakeTensor(FakeStorage(torch.FloatStorage, "0", 6), 0, (2, 4), (3, 1))},
             {"0": six_bytes})
    handmade("short_storage_record.pth",
             {"weight": FakeTensor(FakeStorage(torch.FloatStorage, "0", 6), 0, (2, 3), (3, 1))},
             {"0": six_bytes[:-4]})
    handmade("conflicting_storage.pth", {
        "a": FakeTensor(FakeStorage(torch.FloatStorage, "0", 6), 0, (6,), (1,)),
        "b": FakeTensor(FakeStorage(torch.HalfStorage, "0", 12), 0, (12,), (1,)),
    }, {"0": six_bytes})
    # Big-endian writer: same values, bytes swapped, byteorder record "big".
    handmade("big_endian.pth",
             {"weight": FakeTensor(FakeStorage(torch.FloatStorage, "0", 6), 0, (2, 3), (3, 1))},
             {"0": six.numpy().astype(">f4").tobytes()}, byteorder="big")

    save("fp16.pth", collections.OrderedDict([("weight", base(torch.float16)),
                                              ("bias", base(torch.float16)[0].clone())]))
    save("bf16.pth", collections.OrderedDict([("weight", base(torch.bfloat16)),
                                              ("bias", base(torch.bfloat16)[0].clone())]))
    b = base()
    save("noncontiguous.pth", collections.OrderedDict(
        [("transposed", b.t()), ("slice", b[1:, 1:]), ("full", b), ("column", b[:, 2])]))
    save("mixed_dtypes.pth", collections.OrderedDict(
        [("double", base(torch.float64)), ("long", torch.arange(5)),
         ("bool", torch.tensor([True, False, True])), ("int8", torch.tensor([-3, 0, 7], dtype=torch.int8)),
         ("scalar", torch.tensor(2.5)), ("empty", torch.zeros(0, 3))]))
    save("parameter.pth", {"weight": torch.nn.Parameter(base())})
    save("nested.pth", {
        "epoch": 7,
        "best_acc": 0.75,
        "state_dict": sd,
        "optimizer": {"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
    })
    save("protocol4.pth", sd, pickle_protocol=4)
    with open(os.path.join(OUT, "legacy.pth"), "wb") as f:
        torch.save(sd, f, _use_new_zipfile_serialization=False)
    save("not_a_state_dict.pth", [base()])

    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT) if n.endswith(".pth"))
    print("corpus bytes:", total, file=sys.stderr)


if __name__ == "__main__":
    main()
