"""The worked examples of a few introductions to deep learning, computed by minitorch.

Each example is a function that returns its numbers (tests/examples checks them) and a line of text
per step; running the script prints them with their explanation:

    python examples/worked_examples.py

1. A tiny network predicts a rent from three features; its error, and one step of backpropagation.
2. A single neuron weighs three clues: y = -0.5 + 0.4 x1 + 0.6 x2 + 0.3 x3.
3. Softmax of [1010, 1000, 990]: the naive formula overflows, the shifted one does not.
4. The sigmoid's derivative is σ(1 - σ).
5. The chain rule, by hand and by autograd.
6. The numerical gradient (central differences) next to backpropagation.
7. Convolution: a 3x3 filter slid over a 4x4 image, by hand and by conv2d; padding and stride.
8. Pooling: the largest (or mean) value of each 2x2 patch, and where max pooling sends the gradient.
"""
from __future__ import annotations

import numpy as np

import minitorch as mt
from minitorch import nn

LEARNING_RATE = 0.001


def rent_network() -> tuple[nn.Module, mt.Tensor, mt.Tensor]:
    """The rent network: 3 inputs (distance to the station, floor area, age), 2 ReLU units, 1 output, no biases."""
    model = nn.Sequential(nn.Linear(3, 2, bias=False), nn.ReLU(), nn.Linear(2, 1, bias=False)).double()
    with mt.no_grad():
        model[0].weight.copy_(mt.tensor([[2.0, 1.0, 3.0], [-3.0, -1.0, -1.0]]))
        model[2].weight.copy_(mt.tensor([[2.0, 1.0]]))
    features = mt.tensor([[1.0, 2.0, 3.0]], dtype=mt.float64)
    target = mt.tensor([[10.0]], dtype=mt.float64)
    return model, features, target


def rent_forward_and_backward() -> dict:
    """Forward pass, MSE loss, backpropagated gradients and one SGD step of the rent network."""
    model, features, target = rent_network()
    hidden = model[0](features)
    activated = model[1](hidden)
    prediction = model[2](activated)
    loss = nn.MSELoss()(prediction, target)
    loss.backward()
    results = {
        "hidden": hidden.detach().numpy()[0].tolist(),
        "activated": activated.detach().numpy()[0].tolist(),
        "prediction": prediction.item(),
        "loss": loss.item(),
        "grad_output_weight": model[2].weight.grad.numpy()[0].tolist(),
        "grad_hidden_weight": model[0].weight.grad.numpy().tolist(),
    }
    optimizer = mt.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    optimizer.step()
    with mt.no_grad():
        results["updated_output_weight"] = model[2].weight.detach().numpy()[0].tolist()
        results["updated_hidden_weight"] = model[0].weight.detach().numpy().tolist()
        new_prediction = model(features)
        results["new_prediction"] = new_prediction.item()
        results["new_loss"] = nn.functional.mse_loss(new_prediction, target).item()
    return results


def single_neuron() -> dict:
    """y = w0 + w·x with w0 = -0.5, w = (0.4, 0.6, 0.3) at x = (1, 0, 0)."""
    neuron = nn.Linear(3, 1).double()
    with mt.no_grad():
        neuron.weight.copy_(mt.tensor([[0.4, 0.6, 0.3]], dtype=mt.float64))
        neuron.bias.fill_(-0.5)
    output = neuron(mt.tensor([1.0, 0.0, 0.0], dtype=mt.float64)).item()
    return {"output": output, "test_tomorrow": output >= 0}


def stable_softmax() -> dict:
    """softmax([1010, 1000, 990]) computed naively (exp overflows to inf: nan) and by minitorch (max subtracted)."""
    scores = mt.tensor([1010.0, 1000.0, 990.0], dtype=mt.float64)
    naive = scores.exp() / scores.exp().sum()
    shifted = (scores - scores.max()).exp()
    return {"naive": naive.tolist(), "by_hand": (shifted / shifted.sum()).tolist(),
            "softmax": mt.softmax(scores, dim=0).tolist()}


def sigmoid_derivative() -> dict:
    """dσ/dz from autograd next to σ(z)(1 - σ(z)), at a few z."""
    z = mt.tensor([-2.0, 0.0, 1.0, 3.0], dtype=mt.float64, requires_grad=True)
    sigma = mt.sigmoid(z)
    sigma.sum().backward()
    return {"z": z.detach().tolist(), "autograd": z.grad.tolist(),
            "formula": (sigma * (1 - sigma)).detach().tolist()}


def chain_rule(x: float = 3.0) -> dict:
    """y = u², u = 2 - x: dy/dx = dy/du · du/dx = 2u · (-1) = -4 + 2x."""
    point = mt.tensor(x, dtype=mt.float64, requires_grad=True)
    u = 2 - point
    y = u ** 2
    y.backward()
    return {"x": x, "autograd": point.grad.item(), "by_hand": -4 + 2 * x}


def numerical_gradient(function, array: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """∂f/∂a for every element a of `array`: (f(a + h) - f(a - h)) / 2h, one element at a time."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        kept = array[index]
        array[index] = kept + h
        above = function()
        array[index] = kept - h
        below = function()
        grad[index] = (above - below) / (2 * h)
        array[index] = kept
    return grad


def numerical_vs_backprop() -> dict:
    """The rent network's weight gradients by central differences and by backpropagation."""
    model, features, target = rent_network()

    def loss_value() -> float:
        with mt.no_grad():
            return nn.functional.mse_loss(model(features), target).item()

    results = {}
    for name, parameter in model.named_parameters():
        with mt.no_grad():
            results[f"numerical {name}"] = numerical_gradient(loss_value, parameter.detach().numpy()).tolist()
    nn.functional.mse_loss(model(features), target).backward()
    for name, parameter in model.named_parameters():
        results[f"backprop {name}"] = parameter.grad.tolist()
    return results


IMAGE = [[1.0, 2.0, 3.0, 0.0], [0.0, 1.0, 2.0, 3.0], [3.0, 0.0, 1.0, 2.0], [2.0, 3.0, 0.0, 1.0]]
FILTER = [[2.0, 0.0, 1.0], [0.0, 1.0, 2.0], [1.0, 0.0, 2.0]]


def slide_by_hand(image: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """Σ kernel · window for each position of the kernel over the image (no padding): the definition."""
    rows = (image.shape[0] - kernel.shape[0]) // stride + 1
    columns = (image.shape[1] - kernel.shape[1]) // stride + 1
    output = np.zeros((rows, columns))
    for row in range(rows):
        for column in range(columns):
            top, left = row * stride, column * stride
            output[row, column] = (image[top:top + kernel.shape[0], left:left + kernel.shape[1]] * kernel).sum()
    return output


def convolution() -> dict:
    """The 4x4 image and 3x3 filter: valid convolution (2x2), with a bias of 3, with padding 1 (4x4, the
    image's size), and with padding 1 and stride 2 (2x2), each by hand and by conv2d."""
    image, kernel = np.array(IMAGE), np.array(FILTER)
    x, weight = mt.tensor(image[None, None]), mt.tensor(kernel[None, None])  # (batch, channels, height, width)
    padded = np.pad(image, 1)
    return {
        "by_hand": slide_by_hand(image, kernel).tolist(),
        "conv2d": nn.functional.conv2d(x, weight)[0, 0].tolist(),
        "with_bias": nn.functional.conv2d(x, weight, mt.tensor([3.0], dtype=mt.float64))[0, 0].tolist(),
        "padded_by_hand": slide_by_hand(padded, kernel).tolist(),
        "padded": nn.functional.conv2d(x, weight, padding=1)[0, 0].tolist(),
        "strided_by_hand": slide_by_hand(padded, kernel, stride=2).tolist(),
        "strided": nn.functional.conv2d(x, weight, padding=1, stride=2)[0, 0].tolist(),
    }


POOLING_IMAGE = [[1.0, 2.0, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0], [3.0, 0.0, 1.0, 2.0], [2.0, 4.0, 0.0, 1.0]]


def pooling() -> dict:
    """2x2 max and average pooling with stride 2 of a 4x4 image, and the gradient of the max pool's sum:
    1 where each patch's largest value is, 0 elsewhere."""
    x = mt.tensor([[POOLING_IMAGE]], dtype=mt.float64, requires_grad=True)
    largest = nn.functional.max_pool2d(x, 2)
    largest.sum().backward()
    patches = np.array(POOLING_IMAGE).reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)  # (row, column, 4)
    return {"max": largest[0, 0].tolist(), "max_by_hand": patches.max(axis=2).tolist(),
            "average": nn.functional.avg_pool2d(x, 2)[0, 0].tolist(), "average_by_hand": patches.mean(axis=2).tolist(),
            "max_gradient": x.grad[0, 0].tolist()}


def _rounded(values: object) -> object:
    return np.round(np.asarray(values, dtype=float), 6).tolist()


def main() -> None:
    rent = rent_forward_and_backward()
    print("1. Predicting a rent (3 inputs -> 2 ReLU units -> 1 output)")
    print("   x = [1, 2, 3] (distance, area, age); hidden weights [[2, 1, 3], [-3, -1, -1]]; output weights [2, 1]")
    print(f"   hidden sums u = W1 x = {_rounded(rent['hidden'])}  (2·1 + 1·2 + 3·3 = 13, -3·1 - 1·2 - 1·3 = -8)")
    print(f"   ReLU z = max(0, u) = {_rounded(rent['activated'])}")
    print(f"   prediction y = 2·13 + 1·0 = {rent['prediction']:g}; the true rent is 10")
    print(f"   mean squared error L = (26 - 10)² = {rent['loss']:g}")
    print("   backpropagation: dL/dy = 2(y - t) = 32")
    print(f"   dL/dW2 = 32 · z = {_rounded(rent['grad_output_weight'])}")
    print(f"   dL/dW1 = (32 · W2 · relu'(u)) xᵀ = {_rounded(rent['grad_hidden_weight'])}"
          "  (the unit with u = -8 is off: no gradient)")
    print(f"   one SGD step (lr = {LEARNING_RATE}): W2 = {_rounded(rent['updated_output_weight'])}, "
          f"W1 = {_rounded(rent['updated_hidden_weight'])}")
    print(f"   new prediction {rent['new_prediction']:.6f}, new loss {rent['new_loss']:.6f} (was 256)")

    neuron = single_neuron()
    print("\n2. One neuron weighs three clues: y = -0.5 + 0.4 x1 + 0.6 x2 + 0.3 x3")
    print(f"   a friend worries (x1 = 1), the teacher said nothing (x2 = 0), it is not Wednesday (x3 = 0): "
          f"y = {neuron['output']:.1f}")
    print(f"   below the threshold 0, so the answer is: {'a test' if neuron['test_tomorrow'] else 'no test'} tomorrow")

    softmax = stable_softmax()
    print("\n3. Softmax of [1010, 1000, 990]")
    print(f"   naive exp(a) / Σ exp(a): {softmax['naive']}  (e^1010 overflows to inf, inf / inf is nan)")
    print(f"   exp(a - max) / Σ exp(a - max): {softmax['by_hand']}")
    print(f"   minitorch.softmax (shifts by the max itself): {softmax['softmax']}")

    sigmoid = sigmoid_derivative()
    print("\n4. The sigmoid's derivative is σ(z)(1 - σ(z))")
    for z, by_autograd, by_formula in zip(sigmoid["z"], sigmoid["autograd"], sigmoid["formula"]):
        print(f"   z = {z:4.1f}: autograd {by_autograd:.6f}, σ(1 - σ) {by_formula:.6f}")

    chain = chain_rule()
    print("\n5. The chain rule: y = u², u = 2 - x, so dy/dx = 2u · (-1) = -4 + 2x")
    print(f"   at x = {chain['x']:g}: by hand {chain['by_hand']:g}, by autograd {chain['autograd']:g}")

    gradients = numerical_vs_backprop()
    print("\n6. Numerical gradient (central differences, h = 1e-4) next to backpropagation, for the rent network")
    for name in ("0.weight", "2.weight"):
        print(f"   {name}: numerical {_rounded(gradients['numerical ' + name])}")
        print(f"   {name}: backprop  {_rounded(gradients['backprop ' + name])}")
    print("   the same numbers: backpropagation needs one backward pass, central differences two losses per weight")

    conv = convolution()
    print("\n7. Convolution: the 3x3 filter", FILTER, "slid over the 4x4 image", IMAGE)
    print("   top left: 1·2 + 2·0 + 3·1 + 0·0 + 1·1 + 2·2 + 3·1 + 0·0 + 1·2 = 15")
    print(f"   every position by hand {conv['by_hand']}, by conv2d {conv['conv2d']}")
    print(f"   with a bias of 3 added to each: {conv['with_bias']}")
    print(f"   padding 1 (a border of zeros) keeps the 4x4 size: {conv['padded']}")
    print(f"   padding 1 and stride 2 (every other position): {conv['strided']}")

    pool = pooling()
    print("\n8. Pooling 2x2 patches (stride 2) of", POOLING_IMAGE)
    print(f"   max pooling keeps each patch's largest value: {pool['max']} (by hand {pool['max_by_hand']})")
    print(f"   average pooling their mean: {pool['average']} (by hand {pool['average_by_hand']})")
    print(f"   the gradient of the max pool's sum goes to each patch's largest value only: {pool['max_gradient']}")


if __name__ == "__main__":
    main()
