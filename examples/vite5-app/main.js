// The pad reads what is drawn on it; its `change` event carries the reading.
import "lenet-wasm/lenet-pad.js";

const result = document.querySelector("#result");
document.querySelector("lenet-pad").addEventListener("change", (e) => {
  const reading = e.detail; // null when the pad is cleared
  result.textContent = reading ? `${reading.value || "not a digit"} (${(100 * reading.confidence).toFixed(1)}%)` : "";
});
