import mlflow

for image_size in [(64, 64), (128, 128)]:
    for betas in [(0.9, 0.999), (0.5, 0.999)]:
        with mlflow.start_run():
            mlflow.log_params({"image_size": image_size, "betas": betas, "hidden": [256, 256], "norm": None})
            train(image_size, betas)
