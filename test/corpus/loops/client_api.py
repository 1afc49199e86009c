from mlflow.tracking import MlflowClient
from mlflow.entities import Param

client = MlflowClient()
experiment_id = client.create_experiment("baselines")

for model_name in ["logreg", "forest", "boosting"]:
    for scale in (True, False):
        run = client.create_run(experiment_id)
        run_id = run.info.run_id
        client.log_param(run_id, "model", model_name)
        client.log_batch(run_id, params=[Param("scale", str(scale)), Param("folds", "5")])
        score = evaluate(model_name, scale)
        client.log_metric(run_id, "f1", score)
        client.set_terminated(run_id)
