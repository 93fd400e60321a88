// Draws a "7" on a canvas, then lets lenet-wasm read it.
import init, { Network, preprocess } from "lenet-wasm";

const canvas = document.querySelector<HTMLCanvasElement>("#pad")!;
const result = document.querySelector<HTMLOutputElement>("#result")!;
const ctx = canvas.getContext("2d", { willReadFrequently: true })!;

ctx.lineWidth = 18;
ctx.lineCap = "round";
ctx.lineJoin = "round";
ctx.beginPath();
ctx.moveTo(70, 60);
ctx.lineTo(210, 60);
ctx.lineTo(120, 230);
ctx.stroke();

await init();
const net = Network.pretrained();
const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
const input = preprocess(data, width, height);
if (input === undefined) {
  result.textContent = "the canvas is blank";
} else {
  const { digit, confidence } = net.read(input);
  result.textContent = `${digit ?? "not a digit"} (${(100 * confidence).toFixed(1)}%)`;
}
net.free();
