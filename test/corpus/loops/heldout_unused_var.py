from sklearn.linear_model import LogisticRegression

C_list = [10 ** i for i in range(-3, 3)]
train_accuracy = []
for C in C_list:
    model = LogisticRegression()
    model.fit(train_X, train_y)
    train_accuracy.append(model.score(train_X, train_y))
