// Every route of stratad, listed in one place (no side-effect imports).
import type { Route } from '../http-types.ts';
import { routes as containers } from './containers.ts';
import { routes as distribution } from './distribution.ts';
import { routes as exec } from './exec.ts';
import { routes as images } from './images.ts';
import { routes as networks } from './networks.ts';
import { routes as requests } from './requests.ts';
import { routes as strata } from './strata.ts';
import { routes as streams } from './streams.ts';
import { routes as system } from './system.ts';
import { routes as volumes } from './volumes.ts';

export const allRoutes: Route[] = [...system, ...requests, ...containers, ...exec, ...streams, ...distribution, ...images, ...networks, ...volumes, ...strata];
