// Writes a 7 and a 1 side by side on a canvas, then reads them as a number.
import init, { Network } from "lenet-wasm";

const canvas = document.querySelector("#pad");
const result = document.querySelector("#result");
const ctx = canvas.getContext("2d", { willReadFrequently: true });
ctx.lineWidth = 14;
ctx.lineCap = "round";
ctx.lineJoin = "round";
const stroke = (...points) => {
  ctx.beginPath();
  ctx.moveTo(...points[0]);
  for (const p of points.slice(1)) ctx.lineTo(...p);
  ctx.stroke();
};
stroke([60, 40], [170, 40], [100, 170]); // 7
stroke([300, 35], [295, 170]); // 1

init().then(() => {
  const net = Network.pretrained();
  const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const { text, digits } = net.readDigits(data, width, height);
  result.textContent = `${text} (${digits.map((d) => `${(100 * d.confidence).toFixed(0)}%`).join(", ")})`;
  net.free();
});
