import copy
import wandb

BASE = {"epochs": 30, "optimizer": "adamw", "scheduler": "cosine"}

for weight_decay in [0.0, 0.05]:
    for warmup in [0, 500]:
        config = {**BASE, "weight_decay": weight_decay, "warmup_steps": warmup}
        run = wandb.init(project="ablation", config=config, reinit=True)
        train(run.config)
        run.finish()

for lr in [1e-4, 3e-4]:
    cfg = copy.deepcopy(BASE)
    cfg["lr"] = lr
    cfg.update(optimizer="sgd")
    with wandb.init(project="ablation", config=cfg) as run:
        train(run.config)
