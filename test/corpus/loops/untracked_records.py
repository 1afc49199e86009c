import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

X, y = load_data()

rows = []
for n_estimators in [100, 200, 400]:
    for max_depth in [None, 8, 16]:
        model = RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, random_state=0)
        score = cross_val_score(model, X, y, cv=5).mean()
        rows.append({"n_estimators": n_estimators, "max_depth": max_depth, "score": score})

results = pd.DataFrame(rows).sort_values("score", ascending=False)
print(results.head())
