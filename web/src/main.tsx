/** Entry of the web UI (web/index.html): renders the App into #app. */
import { render } from 'preact';
import { App } from './App.js';
import './styles.css';

render(<App />, document.getElementById('app')!);
