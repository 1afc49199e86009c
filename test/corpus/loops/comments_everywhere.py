import wandb
import mlflow

for lr in [  # learning rates from the last sweep
    3e-4,
    1e-3,  # the default
]:
    for heads in (4, 8,):
        run = wandb.init(
            project="attention",  # grouped by project
            # the config below is what the sweep compares
            config={
                "lr": lr,  # per step
                # heads per layer
                "heads": heads,
                "layers": \
                    6,
            },
            reinit=True,
        )
        run.finish()

for momentum in (0.9, 0.99):
    with mlflow.start_run():
        mlflow.log_param(
            # the name first
            "momentum",
            (momentum),  # parenthesised
        )
