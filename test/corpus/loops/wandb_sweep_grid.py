import wandb


def train():
    with wandb.init() as run:
        fit(run.config)


if __name__ == "__main__":
    sweep_config = {
        "method": "grid",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {
            "learning_rate": {"values": [1e-2, 1e-3, 1e-4]},
            "batch_size": {"values": [32, 64]},
            "epochs": {"value": 20},
        },
    }
    sweep_id = wandb.sweep(sweep_config, project="sweeps-demo")
    wandb.agent(sweep_id, function=train)
