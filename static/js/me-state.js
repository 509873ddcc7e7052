// The signed-in user's profile (GET /me), loaded once per session and shared.
import * as api from "./api.js";
import { isLoggedIn } from "./session.js";
import { getState, setState } from "./store.js";

let mePromise = null;

export function ensureMe() {
  if (!isLoggedIn()) return Promise.resolve(null);
  if (getState().me) return Promise.resolve(getState().me);
  if (!mePromise) {
    mePromise = api
      .getMe()
      .then((me) => {
        if (isLoggedIn()) setState({ me });
        return me;
      })
      .finally(() => {
        mePromise = null;
      });
  }
  return mePromise;
}

export function setMe(me) {
  setState({ me });
}
