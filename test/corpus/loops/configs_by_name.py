import runlens

ARCHS = {
    "small": dict(width=64, depth=2),
    "base": dict(width=128, depth=4),
}

for name, arch in ARCHS.items():
    for lr in (1e-3, 3e-4):
        with runlens.start_run(params={"model": name, **arch, "lr": lr}):
            fit(name, lr=lr, **arch)
