import subprocess

for depth in [1, 2, 3]:
    for dropout in [0, 1]:
        rate = dropout / 10
        subprocess.run(
            [
                "python", "run.py",
                f"model.depth={depth}",
                f"model.dropout_rate={rate}",
                "trainer.max_epochs=50",
            ],
            check=True,
        )
