import runlens


def sweep(model_name, lrs=(1e-3, 3e-4), warmup=0):
    for lr in lrs:
        with runlens.start_run(params={"model": model_name, "lr": lr, "warmup": warmup}):
            train(model_name, lr)


def train(model_name, lr):
    ...


sweep("resnet18")
sweep("vit-small", lrs=[1e-4, 5e-5], warmup=500)
