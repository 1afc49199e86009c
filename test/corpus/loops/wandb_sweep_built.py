import wandb

sweep_config = dict(method="grid", metric=dict(name="val_loss", goal="minimize"))

parameters = {
    "layers": {"values": [2, 3]},
    "kl_weight": {"values": [0, 1e-4, 1e-2]},
    "latent": {"value": 8},
}
sweep_config["parameters"] = parameters
parameters.update({"epochs": {"value": 100}})

sweep_id = wandb.sweep(sweep_config, project="vae")
wandb.agent(sweep_id, function=lambda: None)

random_config = {
    "method": "random",
    "parameters": {"lr": {"min": 1e-5, "max": 1e-2}, "dropout": {"values": [0.1, 0.3]}},
}
wandb.sweep(random_config, project="vae")
